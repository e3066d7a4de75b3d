"""``crawler sources``: check a sources file and list its sources with when each is next due."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from crawler.cli.db import connect
from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument, add_sources_argument, sources_path
from crawler.schedule import as_utc, next_due, system_clock
from crawler.sources import Source, SourcesError, find_source, load_sources
from crawler.storage.runs import RunRecord


def read_sources(given: str | None) -> tuple[Source, ...]:
    """The validated sources of ``--sources`` / ``CRAWLER_SOURCES``; CliError on any problem."""
    try:
        return load_sources(sources_path(given))
    except SourcesError as exc:
        hint = "; run `crawler sources check` for all" if len(exc.problems) > 1 else ""
        raise CliError(f"{exc}{hint}") from exc


def pick_source(given: str | None, name: str) -> Source:
    """The source called ``name`` in the sources file; CliError when there is none."""
    try:
        return find_source(read_sources(given), name)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from exc


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``sources`` parser with ``check`` and ``list``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a sources file",
        description="Print one line per problem (exit 1), or a summary of each source (exit 0).",
    )
    check.add_argument("file", nargs="?", help="sources file (default: $CRAWLER_SOURCES)")
    check.set_defaults(func=run_check)
    listing = actions.add_parser(
        "list",
        help="list sources with their last run and when each is next due",
    )
    add_sources_argument(listing)
    add_db_argument(listing)
    listing.set_defaults(func=run_list)


def run_check(args: argparse.Namespace) -> int:
    """Validate the file; every problem is printed on its own line to stderr."""
    path = sources_path(args.file)
    try:
        sources = load_sources(path)
    except SourcesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    for source in sources:
        print(_describe(source))
    print(f"{path}: {len(sources)} source(s), {sum(s.enabled for s in sources)} enabled")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """One line per source: name, schedule, last run start and status, next due."""
    sources = read_sources(args.sources)
    database = connect(args, existing=True)
    try:
        last = {s.name: database.last_run(s.name) for s in sources}
    finally:
        database.close()
    print(_table(sources, last, system_clock()))
    return 0


def _describe(source: Source) -> str:
    starts = len(source.start_urls) + len(source.feeds) + len(source.sitemaps)
    state = "" if source.enabled else " (disabled)"
    return f"{source.name}: schedule {source.schedule_text!r}, {starts} start URL(s){state}"


def _table(sources: Sequence[Source], last: dict[str, RunRecord | None], now: datetime) -> str:
    rows = [("SOURCE", "SCHEDULE", "LAST START", "STATUS", "NEXT DUE")]
    for source in sources:
        run = last.get(source.name)
        started = run.started_at if run is not None else None
        status = run.status if run is not None else "never run"
        due = next_due(source.schedule, started)
        if not source.enabled:
            when = "disabled"
        elif due is None or due <= now:
            when = "now"
        else:
            when = f"{due:%Y-%m-%d %H:%M:%S}Z"
        start = f"{as_utc(started):%Y-%m-%d %H:%M:%S}Z" if started else "-"
        rows.append((source.name, source.schedule_text, start, status, when))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
