"""``crawler stats``: per-site extraction health, to see at a glance when a template broke."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from crawler.cli.db import connect
from crawler.cli.options import add_db_argument
from crawler.storage.queries import Coverage, SiteStats, site_stats

HEADER = (
    *("SITE", "ARTICLES", "AUTHORS", "DATES", "RECENT", "R.AUTHORS", "R.DATES", "DUPS"),
    *("LAST SEEN", "LAST RUN", "OUTCOME"),
)


def share(part: int, whole: int) -> str:
    """``part`` as a whole percentage of ``whole`` (``-`` when there is nothing)."""
    return f"{round(100 * part / whole)}%" if whole else "-"


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}Z" if value is not None else "-"


def rows(sites: Sequence[SiteStats]) -> list[tuple[str, ...]]:
    """The table's cells, header first."""
    table: list[tuple[str, ...]] = [HEADER]
    for site in sites:
        total, recent = site.total, site.recent
        run = site.last_run
        table.append(
            (
                site.site,
                str(total.articles),
                *_shares(total),
                str(recent.articles),
                *_shares(recent),
                str(site.duplicates),
                _when(site.last_seen),
                _when(run.started_at) if run else "-",
                f"{run.status} ({run.stored} new)" if run else "-",
            )
        )
    return table


def format_table(table: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    )


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``stats`` sub-command's parser."""
    parser.description = (
        "Per site: articles; share with authors and with a publication date, "
        "overall and for recent articles (R.*), where a template change shows first; "
        "near-duplicates; when the site was last seen and its last run's outcome."
    )
    add_db_argument(parser)
    parser.add_argument(
        "--recent-days",
        type=float,
        default=7.0,
        metavar="N",
        help="articles first seen in the last N days count as recent (default 7)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the per-site table."""
    database = connect(args, existing=True)
    try:
        since = database.clock() - timedelta(days=args.recent_days)
        with database.read() as conn:
            sites = site_stats(conn, since)
    finally:
        database.close()
    if not sites:
        print(f"no articles stored in {database.url}")
        return 0
    print(format_table(rows(sites)))
    return 0


def _shares(coverage: Coverage) -> tuple[str, str]:
    return share(coverage.with_authors, coverage.articles), share(
        coverage.with_dates, coverage.articles
    )
