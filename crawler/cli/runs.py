"""``crawler runs``: the recent crawls recorded in ``crawl_runs``, with counts and status."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime

from crawler.cli.db import connect
from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument
from crawler.leases import Lease, live_leases
from crawler.schedule import system_clock
from crawler.storage.runs import RunRecord

HEADER = (
    *("ID", "SOURCE", "SPIDER", "STARTED", "SECONDS", "STATUS"),
    *("STORED", "UPDATED", "DUPLICATE", "DROPPED", "FAILED"),
)


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``runs`` sub-command's parser."""
    parser.description = (
        "The newest crawls first (one row per spider run), then the sources "
        "whose lease is held right now."
    )
    add_db_argument(parser)
    parser.add_argument("--source", metavar="NAME", help="only this source's runs")
    parser.add_argument(
        "--limit", type=int, default=20, metavar="N", help="how many runs (default 20)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the runs table and the live leases."""
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    database = connect(args, existing=True)
    try:
        runs = database.recent_runs(args.limit, args.source)
        leases = live_leases(database.engine, system_clock())
    finally:
        database.close()
    print(format_runs(runs) if runs else "no runs recorded yet")
    for lease in leases:
        print(_lease_line(lease))
    return 0


def format_runs(runs: Sequence[RunRecord]) -> str:
    """A plain-text table, newest run first."""
    rows = [HEADER, *(_cells(run) for run in runs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if i in (0, 4) or i >= 6 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _cells(run: RunRecord) -> tuple[str, ...]:
    seconds = (
        f"{(run.finished_at - run.started_at).total_seconds():.0f}" if run.finished_at else "-"
    )
    return (
        str(run.id),
        run.source or "-",
        run.spider,
        _when(run.started_at),
        seconds,
        run.status,
        *(str(n) for n in (run.stored, run.updated, run.duplicate, run.dropped, run.failed)),
    )


def _lease_line(lease: Lease) -> str:
    return (
        f"running: {lease.source} by {lease.holder} since {_when(lease.acquired_at)} "
        f"(lease until {_when(lease.expires_at)})"
    )


def _when(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
