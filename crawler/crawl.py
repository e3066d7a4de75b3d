"""Run crawls in this process: `CrawlConfig`s in, one Scrapy process, `CrawlSummary`s out."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings
from scrapy.spiders import Spider

from crawler.crawllock import lock_problem
from crawler.extraction.options import SiteOverrides
from crawler.pool import ExtractionPool
from crawler.progress import CrawlCounts, crawl_label
from crawler.storage import DatabaseUnavailable, open_database
from crawler.storage.migrate import head_revision, known_revisions
from spiders.feed import FeedSpider
from spiders.site import SiteSpider
from spiders.sitemap import SitemapSpider
from spiders.urls import UrlsSpider

logger = logging.getLogger(__name__)

#: Finish reasons of a crawl that ran to its end (a page limit or Ctrl-C included).
COMPLETED_REASONS = frozenset({"finished", "shutdown", "closespider_pagecount"})


class CrawlError(Exception):
    """A crawl that cannot start (bad URL, unreachable database): one line for the user."""


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """One crawl: where to start and how far to go; empty fields take the settings' values.

    Each non-empty group of ``start_urls`` / ``feeds`` / ``sitemaps`` / ``urls`` becomes one
    spider (``site`` / ``feed`` / ``sitemap`` / ``urls``). ``jobdir`` gets a subfolder per
    spider. ``quiet`` and ``log_file`` apply to the whole process (the first config's are
    used). ``settings`` are extra Scrapy settings for this config's crawlers.
    """

    start_urls: Sequence[str] = ()
    feeds: Sequence[str] = ()
    sitemaps: Sequence[str] = ()
    urls: Sequence[str] = ()
    db_url: str | None = None
    source: str | None = None
    allowed_domains: Sequence[str] = ()
    allow_patterns: Sequence[str] = ()
    deny_patterns: Sequence[str] = ()
    max_pages: int = 0
    since: datetime | None = None
    timezone: str | None = None
    overrides: SiteOverrides = field(default_factory=SiteOverrides)
    jobdir: str | None = None
    refresh: bool = False
    redis_url: str | None = None
    quiet: bool = False
    log_file: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    """How one spider's crawl went: 0 ``exit_status`` when it completed, else ``problem``."""

    spider: str
    source: str | None
    counts: CrawlCounts
    duration: float
    finish_reason: str
    exit_status: int
    problem: str | None = None

    @property
    def label(self) -> str:
        return crawl_label(self.spider, self.source)


def run_crawls(configs: Sequence[CrawlConfig]) -> list[CrawlSummary]:
    """Run every config's spiders together in this process until all are done (blocking).

    Raises `CrawlError` before anything is fetched when a URL is malformed or a database
    cannot be opened. Can be called once per process (Twisted's reactor cannot restart).
    """
    plans = [(config, kind, kwargs) for config in configs for kind, kwargs in _spiders_of(config)]
    if not plans:
        raise CrawlError("nothing to crawl: give start URLs, feeds, sitemaps or article URLs")
    base = Settings()
    base.setmodule("crawler.settings", priority="project")
    base.setdict(_process_settings(configs[0]), priority="cmdline")
    for db_url in dict.fromkeys(c.db_url or base.get("CRAWLER_DB_URL") for c in configs):
        _check_database(db_url)
    for redis_url in dict.fromkeys(c.redis_url or base.get("CRAWLER_REDIS_URL") for c in configs):
        if redis_url:
            _check_redis(redis_url)
    process = AsyncCrawlerProcess(base)
    crawlers = [
        Crawler(_SPIDERS[kind], _crawler_settings(base, config, kind)) for config, kind, _ in plans
    ]
    for crawler, (config, kind, kwargs) in zip(crawlers, plans, strict=True):
        seeds = [url for arg in _SEED_ARGS if arg in kwargs for url in kwargs[arg]]
        if problem := lock_problem(crawler.settings, kind, config.source, seeds):
            raise CrawlError(problem)
    pool = ExtractionPool.from_crawler(crawlers[0])
    started = time.monotonic()
    try:
        pool.start()
        for crawler, (_, _, kwargs) in zip(crawlers, plans, strict=True):
            process.crawl(crawler, pool=pool, **kwargs)
        process.start()
    finally:
        pool.close()
    elapsed = time.monotonic() - started
    return [
        summarize(_final_stats(crawler), kind, config.source, elapsed)
        for crawler, (config, kind, _) in zip(crawlers, plans, strict=True)
    ]


def exit_status(summaries: Sequence[CrawlSummary]) -> int:
    """0 when every crawl completed, else the first non-zero status."""
    return next((s.exit_status for s in summaries if s.exit_status), 0)


#: The spider arguments that hold a crawl's seed URLs.
_SEED_ARGS = ("start_urls", "feeds", "sitemaps", "urls")
_SPIDERS: dict[str, type[Spider]] = {
    "site": SiteSpider,
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "urls": UrlsSpider,
}


def _spiders_of(config: CrawlConfig) -> list[tuple[str, dict[str, Any]]]:
    """(spider name, spider arguments) for each kind of start point the config has."""
    for url in (*config.start_urls, *config.feeds, *config.sitemaps, *config.urls):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"not an http(s) URL: {url}")
    common: dict[str, Any] = {
        "source": config.source,
        "timezone": config.timezone,
        "overrides": config.overrides,
        "since": config.since,
        "allowed_domains": list(config.allowed_domains),
        "allow_patterns": list(config.allow_patterns),
        "deny_patterns": list(config.deny_patterns),
    }
    groups = {
        "site": ("start_urls", config.start_urls),
        "feed": ("feeds", config.feeds),
        "sitemap": ("sitemaps", config.sitemaps),
        "urls": ("urls", config.urls),
    }
    return [
        (kind, {**common, arg: list(values)}) for kind, (arg, values) in groups.items() if values
    ]


def _process_settings(config: CrawlConfig) -> dict[str, Any]:
    """Logging and progress for the whole process."""
    settings: dict[str, Any] = {"CRAWLER_PROGRESS": not config.quiet}
    if config.log_file:
        settings.update(LOG_FILE=config.log_file, LOG_LEVEL="INFO")
    else:
        settings["LOG_LEVEL"] = "ERROR" if config.quiet else "WARNING"
    return settings


def _crawler_settings(base: Settings, config: CrawlConfig, kind: str) -> Settings:
    settings = base.copy()
    values: dict[str, Any] = {
        "CRAWLER_MAX_PAGES": config.max_pages,
        "CRAWLER_REFRESH": config.refresh,
    }
    if config.db_url:
        values["CRAWLER_DB_URL"] = config.db_url
    if config.source:
        values["CRAWLER_SOURCE"] = config.source
    if config.jobdir:
        values["JOBDIR"] = f"{config.jobdir.rstrip('/')}/{kind}"
    if config.redis_url:
        values["CRAWLER_REDIS_URL"] = config.redis_url
    settings.setdict({**values, **config.settings}, priority="cmdline")
    return settings


def _check_database(url: str) -> None:
    """Bring the database to the newest schema, then open it once, so that a bad URL fails
    before any page is fetched.

    Migrating runs in a child process (``crawler db upgrade``): Alembic, with Mako and
    Pygments, would otherwise stay loaded in the crawl process for its whole life (11 MB).
    """
    try:
        database = open_database(url, migrate=False)
        try:
            current = database.schema_revision()
        finally:
            database.close()
        if current != head_revision() and (current is None or current in known_revisions()):
            _upgrade_in_child(url)
        open_database(url).close()  # says so if the schema is newer than this code
    except DatabaseUnavailable as exc:
        raise CrawlError(str(exc)) from None


def _upgrade_in_child(url: str) -> None:
    """``crawler db upgrade`` of ``url`` in a child process (the URL passed in its
    environment, not its command line); its one-line error becomes a `CrawlError`."""
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "db", "upgrade"],
        env={**os.environ, "CRAWLER_DB_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise CrawlError(lines[-1].removeprefix("crawler: error: "))


def _check_redis(url: str) -> None:
    """Reach the Redis of a shared frontier before any page is fetched (the Redis client is
    imported here: a crawl without one never loads it)."""
    from crawler.distributed.frontier import redis_problem

    if problem := redis_problem(url):
        raise CrawlError(problem)


def _final_stats(crawler: Crawler) -> Mapping[str, Any]:
    """The crawler's stats; empty when it failed before it had any (its spider did not start)."""
    try:
        return crawler.stats.get_stats()
    except RuntimeError:
        return {}


def summarize(
    stats: Mapping[str, Any], spider: str, source: str | None, elapsed: float
) -> CrawlSummary:
    """A crawler's summary from its final stats: exit status 1 (and why) unless it completed."""
    counts = CrawlCounts.from_stats(stats)
    reason = str(stats.get("finish_reason") or "not started")
    start, finish = stats.get("start_time"), stats.get("finish_time")
    duration = (finish - start).total_seconds() if start and finish else elapsed
    problem = None
    if reason not in COMPLETED_REASONS:
        problem = f"the crawl ended early ({reason})"
    elif counts.lost:
        problem = f"{counts.lost} article(s) could not be stored"
    # Nothing new is not nothing fetched: stored pages skipped, 304s, seeds another
    # worker already put in a shared Redis frontier, or seeds this worker put there that
    # other workers took (it took nothing itself: the frontier drained without it).
    elif not counts.pages and not (
        stats.get("drop/already_stored")
        or stats.get("news/conditional/not_modified")
        or stats.get("news/redis/seed_seen")
        or (stats.get("scheduler/enqueued/redis") and not stats.get("news/redis/taken"))
    ):
        problem = "nothing could be fetched"
    return CrawlSummary(
        spider=spider,
        source=source,
        counts=counts,
        duration=duration,
        finish_reason=reason,
        exit_status=1 if problem else 0,
        problem=problem,
    )
