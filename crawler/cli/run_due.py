"""``crawler run-due``: crawl every enabled source whose schedule is due, under a lease, then exit.

For each source: read its last run from ``crawl_runs``; if due, take its lease (skip it
when another run holds it), check again that it is still due (a run that just finished
elsewhere counts), and crawl it. All taken sources crawl together in this process while a
heartbeat renews their leases; the leases are released at the end. A run killed with
SIGKILL leaves its leases to expire after ``--lease-ttl``.

`run_sources` is also what ``crawler crawl --source NAME`` runs, through `run_named_source`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from crawler import settings
from crawler.cli.crawl import report
from crawler.cli.db import connect
from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument, add_sources_argument, db_url
from crawler.cli.sources import pick_source, read_sources
from crawler.crawl import CrawlConfig, CrawlError, CrawlSummary, run_crawls
from crawler.leases import DEFAULT_TTL, Heartbeat, acquire_lease, new_holder, release_lease
from crawler.schedule import Clock, as_utc, is_due, next_due, system_clock
from crawler.sources import Source
from crawler.storage import Database, DatabaseUnavailable, open_database

#: Entries dated up to this long before the last run started are still read: a sitemap or
#: feed may list a page later than its date says (caches, late publishing). Stored ones
#: cost a database lookup, not a fetch.
SINCE_MARGIN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run sources: where to store, and the flags shared with ``crawler crawl``."""

    db_url: str
    jobdir: str | None = None
    refresh: bool = False
    redis_url: str | None = None
    quiet: bool = False
    log_file: str | None = None
    lease_ttl: timedelta = DEFAULT_TTL
    settings: dict[str, str] = field(default_factory=dict)


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``run-due`` sub-command's parser."""
    parser.description = (
        "Crawl each enabled source of the sources file whose schedule is due "
        "(judged from its last run), at most one run per source at a time across "
        "processes and hosts sharing the database. Meant for cron or a systemd timer."
    )
    add_sources_argument(parser)
    add_run_arguments(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print which sources are due and when the others will be; crawl nothing",
    )
    parser.set_defaults(func=run)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``run-due`` (``crawl`` has the same ones but ``--lease-ttl``)."""
    add_db_argument(parser)
    parser.add_argument(
        "--jobdir",
        metavar="DIR",
        help="keep each source's crawl state in DIR/<source>/ to resume it",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="fetch already stored articles again"
    )
    parser.add_argument(
        "--redis", metavar="URL", help="share the frontier through Redis at this URL"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress; summary only on failure (cron)"
    )
    parser.add_argument("--log-file", metavar="FILE", help="write the full Scrapy log to this file")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for every crawl, e.g. -s AUTOTHROTTLE_ENABLED=False",
    )
    parser.add_argument(
        "--lease-ttl",
        type=_seconds,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help=f"a killed run's sources are free again after this "
        f"(default {int(DEFAULT_TTL.total_seconds())})",
    )


def options_from(args: argparse.Namespace) -> RunOptions:
    """`RunOptions` from parsed ``run-due`` or ``crawl`` flags and the settings' defaults."""
    return RunOptions(
        db_url=db_url(args),
        jobdir=args.jobdir,
        refresh=args.refresh,
        redis_url=args.redis or settings.CRAWLER_REDIS_URL or None,
        quiet=args.quiet,
        log_file=_log_file(args.log_file),
        lease_ttl=getattr(args, "lease_ttl", DEFAULT_TTL),
        settings=dict(_setting(text) for text in getattr(args, "set", None) or ()),
    )


def run(args: argparse.Namespace) -> int:
    """Crawl the due sources; exit status 0 when every crawl completed (or none was due)."""
    sources = [s for s in read_sources(args.sources) if s.enabled]
    if not sources:
        raise CliError("no enabled source in the sources file")
    if args.dry_run:
        database = connect(args)
        try:
            now = system_clock()
            for source in sources:
                print(_due_line(source, _last_start(database, source), now))
        finally:
            database.close()
        return 0
    options = options_from(args)
    summaries = run_sources(sources, options, only_due=True)
    if not summaries:
        _say(options, "nothing to crawl now")
        return 0
    return _report(summaries, options)


def run_named_source(args: argparse.Namespace) -> int:
    """``crawler crawl --source NAME [--sources FILE]``: crawl that source now, due or not
    (under its lease, so never beside a ``run-due`` crawling it)."""
    source = pick_source(args.sources, args.source)
    options = options_from(args)
    summaries = run_sources([source], options, only_due=False)
    if not summaries:
        raise CliError(f"{source.name} was not crawled: another run holds it", exit_code=1)
    return _report(summaries, options)


def run_sources(
    sources: Sequence[Source],
    options: RunOptions,
    *,
    only_due: bool,
    clock: Clock = system_clock,
) -> list[CrawlSummary]:
    """Crawl ``sources`` (those due, with ``only_due``) under leases; one summary per spider
    run (none when nothing was due or every source was taken)."""
    database = _open(options.db_url)
    holder = new_holder()
    taken: list[Source] = []
    try:
        say = partial(_say, options)
        taken = claim_sources(database, sources, holder, options.lease_ttl, only_due, clock, say)
        if not taken:
            return []
        configs = [crawl_config(source, database, options) for source in taken]
        with Heartbeat(
            database.engine, holder, [s.name for s in taken], options.lease_ttl, clock, _stop
        ):
            summaries = run_crawls(configs)
    except CrawlError as exc:
        raise CliError(str(exc)) from None
    finally:
        for source in taken:
            release_lease(database.engine, source.name, holder)
        database.close()
    return summaries


def crawl_config(source: Source, database: Database, options: RunOptions) -> CrawlConfig:
    """The crawl of one source. Sitemap and feed entries dated before its last completed
    run's start (less `SINCE_MARGIN`) are skipped, unless ``refresh`` asks for everything."""
    last_done = database.last_run(source.name, statuses=("completed",))
    since = None
    if last_done is not None and not options.refresh:
        since = last_done.started_at - SINCE_MARGIN
    return CrawlConfig(
        start_urls=source.start_urls,
        feeds=source.feeds,
        sitemaps=source.sitemaps,
        db_url=options.db_url,
        source=source.name,
        allowed_domains=source.allowed_domains,
        allow_patterns=source.allow_patterns,
        deny_patterns=source.deny_patterns,
        max_pages=source.max_pages or 0,
        since=since,
        timezone=source.timezone,
        overrides=source.overrides,
        jobdir=os.path.join(options.jobdir, source.name) if options.jobdir else None,
        refresh=options.refresh,
        redis_url=options.redis_url,
        quiet=options.quiet,
        log_file=options.log_file,
        settings=options.settings,
    )


def claim_sources(
    database: Database,
    sources: Sequence[Source],
    holder: str,
    ttl: timedelta,
    only_due: bool,
    clock: Clock,
    say: Callable[[str], None],
) -> list[Source]:
    """The sources this run crawls, their leases taken by ``holder``: each one due (with
    ``only_due``) and not held by another run. Due-ness is checked again once the lease is
    held, so a run that finished elsewhere in between is not repeated."""
    taken: list[Source] = []
    for source in sources:
        if only_due and not is_due(source.schedule, _last_start(database, source), clock()):
            say(_due_line(source, _last_start(database, source), clock()))
            continue
        lease = acquire_lease(database.engine, source.name, holder, ttl, clock())
        if lease.holder != holder:
            until = f"{as_utc(lease.expires_at):%Y-%m-%d %H:%M:%S}Z"
            say(f"{source.name}: skipped, crawled by {lease.holder} (lease until {until})")
            continue
        if only_due and not is_due(source.schedule, _last_start(database, source), clock()):
            release_lease(database.engine, source.name, holder)
            say(f"{source.name}: skipped, another run has just crawled it")
            continue
        say(f"{source.name}: crawling")
        taken.append(source)
    return taken


def _last_start(database: Database, source: Source) -> datetime | None:
    last = database.last_run(source.name)
    return last.started_at if last is not None else None


def _due_line(source: Source, last_start: datetime | None, now: datetime) -> str:
    due = next_due(source.schedule, last_start)
    if due is None:
        return f"{source.name}: due (never run)"
    if due <= as_utc(now):
        return f"{source.name}: due (schedule {source.schedule_text!r})"
    return f"{source.name}: not due until {due:%Y-%m-%d %H:%M:%S}Z"


def _open(url: str) -> Database:
    try:
        return open_database(url)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None


def _stop(source: str) -> None:
    """A lease was lost (this process stalled past its ttl): stop crawling, gracefully."""
    os.kill(os.getpid(), signal.SIGTERM)


def _report(summaries: list[CrawlSummary], options: RunOptions) -> int:
    return report(summaries, quiet=options.quiet)


def _say(options: RunOptions, line: str) -> None:
    if not options.quiet:
        print(line, file=sys.stderr)


def _seconds(text: str) -> timedelta:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return timedelta(seconds=seconds)


def _log_file(path: str | None) -> str | None:
    """The absolute path of ``--log-file``, its folder created (cron users rarely make it)."""
    if not path:
        return None
    file = Path(path).resolve()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create the folder of --log-file {path}: {exc.strerror}") from None
    return str(file)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise CliError(f"-s wants NAME=VALUE, not {text!r}")
    return name.strip(), value
