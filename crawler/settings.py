"""Scrapy settings for the crawler; the only module that reads environment variables.

Every component reads its values from these settings in ``from_crawler``; the CLI
overrides them from its flags. Settings of our own are prefixed ``CRAWLER_``.
"""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- where articles go -------------------------------------------------------
CRAWLER_DB_URL = os.environ.get("CRAWLER_DB_URL", "sqlite:///news.db")
CRAWLER_REDIS_URL = os.environ.get("CRAWLER_REDIS_URL", "")
CRAWLER_ALLOW_PRIVATE = os.environ.get("CRAWLER_ALLOW_PRIVATE", "") == "1"
CRAWLER_CONTACT = os.environ.get("CRAWLER_CONTACT", "")
# The sources file of `run-due`, `crawl --source` and `sources` (`--sources` overrides it).
CRAWLER_SOURCES = os.environ.get("CRAWLER_SOURCES", "")

# --- politeness --------------------------------------------------------------
USER_AGENT = f"news-crawler/{__version__} (+{CRAWLER_CONTACT or 'no contact configured'})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy's default of 100 starts 100 tasks per response; 8 halves its CPU per page.
CONCURRENT_ITEMS = 8
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- bounds on what one response may cost --------------------------------------
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]

# --- runtime -----------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES: dict[str, int] = {}
DOWNLOADER_MIDDLEWARES: dict[str, int] = {}
SPIDER_MIDDLEWARES: dict[str, int] = {}
EXTENSIONS: dict[str, int] = {}
