"""Refuse a crawl whose SQLite database scope or JOBDIR another crawl holds, before Scrapy,
Twisted or the storage layer are imported (the crawl checks again once its settings exist)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from crawler import settings
from crawler.crawllock import (
    CrawlLock,
    FileLock,
    frontier_scope,
    jobdir_lock,
    probe_locks,
    scope_lock,
)

#: Spider of each group of start points, as ``crawler.crawl`` runs them.
SPIDER_OF = {"start_urls": "site", "feeds": "feed", "sitemaps": "sitemap", "urls": "urls"}


def held_by_another(fields: Mapping[str, Any], overrides: Mapping[str, str]) -> str | None:
    """Why the crawl of these `CrawlConfig` ``fields`` and ``-s`` ``overrides`` cannot start
    (another crawl holds a file lock it needs), or None.

    Only file locks are probed: PostgreSQL advisory locks need a connection, which the crawl
    opens anyway. With ``-s CRAWLER_FRONTIER`` the crawl alone decides.
    """
    if "CRAWLER_FRONTIER" in overrides:
        return None
    for group, spider in SPIDER_OF.items():
        seeds: Sequence[str] = fields.get(group) or ()
        if seeds and (problem := _problem(spider, seeds, fields, overrides)):
            return problem
    return None


def _problem(
    spider: str, seeds: Sequence[str], fields: Mapping[str, Any], overrides: Mapping[str, str]
) -> str | None:
    jobdir = fields.get("jobdir")
    values: dict[str, Any] = {
        "CRAWLER_DB_URL": fields.get("db_url") or settings.CRAWLER_DB_URL,
        "CRAWLER_REDIS_URL": fields.get("redis_url") or settings.CRAWLER_REDIS_URL,
        "JOBDIR": f"{str(jobdir).rstrip('/')}/{spider}" if jobdir else None,
        **overrides,
    }
    if values["CRAWLER_REDIS_URL"]:
        return None
    source = overrides.get("CRAWLER_SOURCE") or fields.get("source") or None
    scope = frontier_scope(spider, source, seeds)
    try:
        lock = scope_lock(str(values["CRAWLER_DB_URL"] or "sqlite:///news.db"), scope)
    except sa.exc.ArgumentError:
        return None  # a malformed URL: opening the database reports it
    locks: list[CrawlLock] = [lock] if isinstance(lock, FileLock) else []
    if values["JOBDIR"]:
        locks.append(jobdir_lock(str(values["JOBDIR"])))
    return probe_locks(locks)
