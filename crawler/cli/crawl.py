"""``crawler crawl``: crawl sites, feeds, sitemaps or article URLs now, with live progress."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument, add_sources_argument
from spiders.args import as_since, lines_of

if TYPE_CHECKING:
    from crawler.crawl import CrawlSummary


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``crawl`` sub-command's parser."""
    parser.description = (
        "Crawl now and store the articles found. Each URL is a homepage or "
        "section page whose site is crawled; --feed, --sitemap and --urls-file name articles "
        "directly. Exit status 0 when every crawl completed; 1 when nothing could be "
        "fetched, an article could not be stored, or a crawl ended early (the summary says "
        "which); 2 for bad arguments or an unreachable database."
    )
    parser.add_argument("start_urls", nargs="*", metavar="URL", help="homepage or section page")
    parser.add_argument("--feed", action="append", default=[], metavar="URL", help="RSS/Atom feed")
    parser.add_argument(
        "--sitemap", action="append", default=[], metavar="URL",
        help="sitemap, sitemap index, Google News sitemap, or a robots.txt naming them",
    )  # fmt: skip
    parser.add_argument("--urls-file", metavar="FILE", help="article URLs, one per line")
    add_db_argument(parser)
    parser.add_argument("--max-pages", type=int, default=0, metavar="N", help="pages per spider")
    parser.add_argument(
        "--since", metavar="DATE",
        help="skip sitemap and feed entries dated before DATE (ISO 8601, e.g. 2024-05-01)",
    )  # fmt: skip
    parser.add_argument("--jobdir", metavar="DIR", help="keep the crawl state here to resume it")
    parser.add_argument(
        "--timezone", metavar="TZ", help="IANA zone of pages that print local times (Europe/Paris)"
    )
    parser.add_argument("--refresh", action="store_true", help="fetch stored articles again")
    parser.add_argument("--quiet", action="store_true", help="no progress; summary only on failure")
    parser.add_argument("--log-file", metavar="FILE", help="write Scrapy's full log here")
    parser.add_argument("--redis", metavar="URL", help="share the frontier through Redis")
    parser.add_argument(
        "--source", metavar="NAME",
        help="crawl this source of the sources file now (with URLs: only name the crawl)",
    )  # fmt: skip
    add_sources_argument(parser)
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE",
        help="a Scrapy setting for this crawl, e.g. -s AUTOTHROTTLE_ENABLED=False",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the crawl; print the summary table; return the exit status.

    Scrapy is imported only once the arguments are valid and no other crawl holds the
    crawl's SQLite database scope or JOBDIR.
    """
    if args.source and not (args.start_urls or args.feed or args.sitemap or args.urls_file):
        from crawler.cli.run_due import run_named_source

        return run_named_source(args)
    fields = config_fields(args)
    from crawler.cli.lockcheck import held_by_another  # SQLAlchemy parses the database URL

    if problem := held_by_another(fields, fields["settings"]):
        raise CliError(problem)
    from crawler.crawl import CrawlConfig, CrawlError, run_crawls

    try:
        summaries = run_crawls([CrawlConfig(**fields)])
    except CrawlError as exc:
        raise CliError(str(exc)) from None
    return report(summaries, quiet=args.quiet)


def config_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The `CrawlConfig` fields the flags describe; bad values raise `CliError`."""
    urls: tuple[str, ...] = ()
    if args.urls_file:
        try:
            urls = lines_of(args.urls_file)
        except OSError as exc:
            raise CliError(f"cannot read --urls-file {args.urls_file}: {exc.strerror}") from None
    if not (args.start_urls or args.feed or args.sitemap or urls):
        raise CliError("nothing to crawl: give URLs, --feed, --sitemap or --urls-file")
    if args.max_pages < 0:
        raise CliError("--max-pages must be 0 (no limit) or more")
    return dict(
        start_urls=tuple(args.start_urls),
        feeds=tuple(args.feed),
        sitemaps=tuple(args.sitemap),
        urls=urls,
        db_url=args.db,
        source=args.source,
        max_pages=args.max_pages,
        since=_since(args.since, _timezone(args.timezone)),
        timezone=_timezone(args.timezone),
        jobdir=args.jobdir,
        refresh=args.refresh,
        redis_url=args.redis,
        quiet=args.quiet,
        log_file=str(Path(args.log_file).resolve()) if args.log_file else None,
        settings=_settings(args.set),
    )


def report(summaries: list[CrawlSummary], quiet: bool) -> int:
    """Print the summary table (stdout; with ``quiet`` only on failure, to stderr)."""
    from crawler.crawl import exit_status
    from crawler.progress import summary_table

    status = exit_status(summaries)
    if not quiet:
        print(summary_table(summaries))
    elif status:
        print(summary_table(summaries), file=sys.stderr)
    return status


def _timezone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"unknown time zone: {name}") from None
    return name


def _since(text: str | None, timezone: str | None) -> datetime | None:
    try:
        return as_since(text, timezone)
    except ValueError:
        raise CliError(f"--since wants an ISO 8601 date such as 2024-05-01, not {text!r}") from None


def _settings(pairs: list[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"-s wants NAME=VALUE, not {pair!r}")
        settings[name.strip()] = value
    return settings
