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
# With a Redis URL the crawl's frontier is shared through Redis (crawler/distributed): keys
# start with the deployment's namespace; workers beat every CRAWLER_REDIS_HEARTBEAT s and
# one silent for CRAWLER_REDIS_WORKER_TIMEOUT s is dead (its requests are queued again).
CRAWLER_REDIS_NAMESPACE = os.environ.get("CRAWLER_REDIS_NAMESPACE", "crawler")
CRAWLER_REDIS_HEARTBEAT = 2.0
CRAWLER_REDIS_WORKER_TIMEOUT = 60.0
ADDONS = {"crawler.distributed.addon.RedisFrontierAddon": 0}
CRAWLER_ALLOW_PRIVATE = os.environ.get("CRAWLER_ALLOW_PRIVATE", "") == "1"
CRAWLER_CONTACT = os.environ.get("CRAWLER_CONTACT", "")
# The sources file of `run-due`, `crawl --source` and `sources` (`--sources` overrides it).
# (The setting CRAWLER_SOURCES, a list of source names, is the store pipeline's.)
CRAWLER_SOURCES_FILE = os.environ.get("CRAWLER_SOURCES", "")

# --- politeness --------------------------------------------------------------
USER_AGENT = f"news-crawler/{__version__} (+{CRAWLER_CONTACT or 'no contact configured'})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Holds that bound under asyncio with no delay; Scrapy 2.19 does not (crawler/net/downloader.py).
DOWNLOADER = "crawler.net.downloader.SlotBoundDownloader"
# Hands the downloader the host with the fewest requests in it (Scrapy's default, kept on
# purpose): with a plain priority queue a host that hangs fills the 32 places and a healthy
# host beside it falls to a quarter of its rate (tests/hostile/test_hostile_throughput.py).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# Scrapy's default of 100 starts 100 tasks per response; 8 halves its CPU per page.
CONCURRENT_ITEMS = 8
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
STATS_CLASS = "crawler.stats.CrawlStats"

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

ITEM_PIPELINES: dict[str, int] = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalize.NormalizePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}
# Dropped items are logged by URL, not with their whole body.
LOG_FORMATTER = "pipelines.logformatter.ArticleLogFormatter"
# --- validating, deduplicating, storing (pipelines/) ---------------------------
CRAWLER_MIN_BODY_CHARS = 200
CRAWLER_MIN_TITLE_CHARS = 3
CRAWLER_DEDUPE_MEMORY = 100_000
# A transaction stores up to BATCH_SIZE articles, and an article waits at most FLUSH_INTERVAL s
# for one: a crawl killed outright fetches at most that many stored-to-be pages again, and
# PostgreSQL pays its per-transaction statements once per 20 articles, not per 2.
CRAWLER_DB_BATCH_SIZE = 20
CRAWLER_DB_FLUSH_INTERVAL = 1.0
# A failed batch (or a page met by a database fault) is tried this many times, waiting
# BACKOFF * 2^(n-1) s before the n-th retry: 15.5 s in all, enough for a database restart.
CRAWLER_DB_RETRIES = 6
CRAWLER_DB_RETRY_BACKOFF = 0.5
CRAWLER_DB_BUSY_TIMEOUT = 30.0

DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {}
SPIDER_MIDDLEWARES: dict[str, int | None] = {}

# --- hostile web: scope, SSRF, drops (crawler/net, crawler/middlewares) -------------
# Hosts trusted whatever their address, besides the hosts of the start requests.
CRAWLER_SEED_HOSTS: list[str] = []
# robots.txt (RFC 9309): bytes parsed, seconds before asking an unreachable host again,
# and the largest Crawl-delay honoured (seconds).
CRAWLER_ROBOTS_MAX_BYTES = 512 * 1024
CRAWLER_ROBOTS_RETRY_INTERVAL = 60.0
CRAWLER_CRAWL_DELAY_MAX = 10.0
# Retries of 429/5xx pause the host: Retry-After up to this many seconds, else
# CRAWLER_RETRY_BACKOFF_BASE * 2^attempt seconds.
CRAWLER_RETRY_AFTER_MAX = 120.0
CRAWLER_RETRY_BACKOFF_BASE = 1.0
# A host failing this many attempts in a row is dropped for CRAWLER_BREAKER_COOLDOWN s.
CRAWLER_BREAKER_FAILURES = 5
CRAWLER_BREAKER_COOLDOWN = 60.0
# A host answering this many times in a row, each slower than CRAWLER_BREAKER_SLOW_SECONDS
# (None: half of DOWNLOAD_TIMEOUT), is dropped for the cooldown too (0 = off).
CRAWLER_BREAKER_SLOW_RESPONSES = 5
CRAWLER_BREAKER_SLOW_SECONDS: float | None = None
# Traps: pages per host and run (0 = no budget), longest URL followed, distinct query
# strings followed per path (sort/filter permutations).
CRAWLER_HOST_PAGE_BUDGET = 5000
CRAWLER_MAX_URL_LENGTH = 1000
CRAWLER_MAX_QUERY_VARIANTS = 50
# Only http and https are fetched, and only to addresses the address policy permits.
DOWNLOAD_HANDLERS = {
    "http": "crawler.net.handler.GuardedHTTPDownloadHandler",
    "https": "crawler.net.handler.GuardedHTTPDownloadHandler",
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
DOWNLOADER_MIDDLEWARES.update(
    {
        "crawler.middlewares.drops.DropLogMiddleware": 10,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawler.middlewares.robots.RobotsPolicyMiddleware": 100,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.pacing.BackoffRetryMiddleware": 550,
        "crawler.middlewares.breaker.CircuitBreakerMiddleware": 560,
        "crawler.middlewares.traps.HostBudgetMiddleware": 60,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "crawler.middlewares.counted.CountedMetaRefreshMiddleware": 580,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "crawler.middlewares.counted.CountedHttpCompressionMiddleware": 590,
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
        "crawler.middlewares.counted.CountedRedirectMiddleware": 600,
    }
)
SPIDER_MIDDLEWARES.update(
    {
        "crawler.middlewares.scope.ScopeMiddleware": 40,
        "crawler.middlewares.traps.TrapMiddleware": 45,
    }
)

# --- incremental crawling (crawler/middlewares/incremental.py, conditional.py) --------
# True fetches stored articles again (updates land as revisions); off by default.
CRAWLER_REFRESH = False
# Stop following a listing's next pages when every article it links is already stored.
CRAWLER_STOP_ON_KNOWN_PAGE = True
# Re-fetch listings, feeds and sitemaps with If-None-Match / If-Modified-Since.
CRAWLER_CONDITIONAL = True
DOWNLOADER_MIDDLEWARES.update(
    {
        "crawler.middlewares.incremental.SkipStoredMiddleware": 50,
        "crawler.middlewares.conditional.ConditionalRequestMiddleware": 570,
    }
)
SPIDER_MIDDLEWARES.update({"crawler.middlewares.incremental.KnownPageMiddleware": 30})
# Scrapy 2.19 starts, in every crawl, an HTTP server that runs Python code sent to it (its
# token in a file under the user's state directory), and imports aiohttp for it: 10 MB of
# the crawl process. A crawler for unattended jobs runs without it, as without telnet.
# Scrapy imports every key of EXTENSIONS, even one set to None, so it leaves Scrapy's base
# list, which is otherwise this (tests/test_settings.py compares the two).
EXTENSIONS_BASE = {
    f"scrapy.extensions.{path}": 0
    for path in (
        "corestats.CoreStats",
        "logcount.LogCount",
        "telnet.TelnetConsole",
        "memusage.MemoryUsage",
        "memdebug.MemoryDebugger",
        "closespider.CloseSpider",
        "feedexport.FeedExporter",
        "logstats.LogStats",
        "spiderstate.SpiderState",
        "throttle.AutoThrottle",
    )
}
EXTENSIONS: dict[str, int] = {}
# Secrets (passwords in settings, URLs and the proxy environment) are masked in every log
# line, including Scrapy's "Overridden settings" (crawler/net/redaction.py).
EXTENSIONS.update({"crawler.net.redaction.SecretRedaction": 0})

# --- crash safety: the database frontier (crawler/frontier.py) ----------------------
# Every page request of a crawl is recorded per crawl scope (pending / in progress / done /
# failed); a killed or stopped crawl's rerun queues again what was not done. Off under
# CRAWLER_REDIS_URL (the Redis frontier keeps the state). Writes every
# CRAWLER_FRONTIER_FLUSH_INTERVAL s or CRAWLER_FRONTIER_BATCH changes; a fetch holds its
# URL's lease CRAWLER_FRONTIER_LEASE s; a failed URL is tried by at most
# CRAWLER_FRONTIER_MAX_ATTEMPTS crawls of one pass.
CRAWLER_FRONTIER = True
CRAWLER_FRONTIER_FLUSH_INTERVAL = 0.5
CRAWLER_FRONTIER_MAX_UNPROCESSED = 16
CRAWLER_FRONTIER_BATCH = 500
CRAWLER_FRONTIER_LEASE = 600.0
CRAWLER_FRONTIER_MAX_ATTEMPTS = 3
EXTENSIONS.update({"crawler.frontier.FrontierRecorder": 100})
SPIDER_MIDDLEWARES.update({"crawler.middlewares.frontier.FrontierSpiderMiddleware": 5})
DOWNLOADER_MIDDLEWARES.update({"crawler.middlewares.frontier.FrontierDownloaderMiddleware": 5})

# --- crawling: spiders, extraction pool, progress (spiders/, crawler/pool.py) --------
# Pages fetched per crawler and run (0 = no limit); DEPTH_LIMIT bounds link depth.
CRAWLER_MAX_PAGES = 0
# Extraction worker processes (0 = one per core), pages before a worker is replaced,
# seconds one page may take (then ``extract_timeout``), MiB of address space a page may add
# to a worker's size at start (then ``too_complex``; 0 = none).
CRAWLER_EXTRACT_WORKERS = int(os.environ.get("CRAWLER_EXTRACT_WORKERS", "0"))
CRAWLER_EXTRACT_RECYCLE = 300
CRAWLER_EXTRACT_TIMEOUT = 20.0
CRAWLER_EXTRACT_MEMORY_MB = 1024
# Largest sitemap, downloaded or unzipped (the sitemap protocol's own limit).
CRAWLER_SITEMAP_MAX_BYTES = 50 * 1024 * 1024
# The sitemaps an index lists are fetched one at a time, each once fewer than this many
# requests wait in the scheduler (0 = all at once; spiders/backlog.py).
CRAWLER_SITEMAP_BACKLOG = 1000
SPIDER_MIDDLEWARES.update({"spiders.backlog.SitemapBacklogMiddleware": 1})
# A progress line on stderr every CRAWLER_PROGRESS_INTERVAL seconds (`crawler crawl` sets it).
CRAWLER_PROGRESS = False
CRAWLER_PROGRESS_INTERVAL = 5.0
EXTENSIONS.update({"crawler.progress.ProgressReporter": 500})
