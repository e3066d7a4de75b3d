"""``crawler demo``: serve the bundled sample news sites locally and crawl them into a database."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any

from crawler.cli.crawl import report
from crawler.cli.errors import CliError
from crawler.crawl import CrawlConfig, CrawlError, run_crawls
from crawler.siteserver import SiteServer
from crawler.storage.database import sqlite_file

#: The sample sites of a source checkout.
SITES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "sites"
DEFAULT_DB = "sqlite:///news.db"


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``demo`` sub-command's parser."""
    parser.description = (
        "Serve the sample news sites of tests/fixtures/sites on 127.0.0.1, crawl "
        "their homepages, feeds and sitemaps into a database, and show how to look at it."
    )
    parser.add_argument("--db", metavar="URL", default=DEFAULT_DB, help=f"default: {DEFAULT_DB}")
    parser.add_argument("--sites", type=Path, default=SITES, help="folder of site folders")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve, crawl, print the summary and two example queries."""
    if not args.sites.is_dir():
        raise CliError(f"sample sites not found at {args.sites} (run from a source checkout)")
    with SiteServer(args.sites) as server:
        configs = [
            _site_config(server.base_url(site), args.sites / site, site, args.db, args.quiet)
            for site in server.sites
        ]
        try:
            summaries = run_crawls(configs)
        except CrawlError as exc:
            raise CliError(str(exc)) from None
    status = report(summaries, quiet=False)
    print()
    print("Look at what was stored:")
    print(f"  crawler export --db {shlex.quote(args.db)} --format csv --output articles.csv")
    database = sqlite_file(args.db)
    if database is not None:
        query = "select published_at, site_name, title from articles order by published_at desc"
        print(f"  sqlite3 {shlex.quote(str(database))} {shlex.quote(query + ' limit 10')}")
    return status


def _site_config(base: str, folder: Path, name: str, db_url: str, quiet: bool) -> CrawlConfig:
    """A crawl of one sample site: its homepage, plus the feeds and sitemaps it declares."""
    entry: dict[str, Any] = {"home": "/", "feeds": [], "sitemaps": []}
    expected = folder / "expected.json"
    if expected.is_file():
        entry.update(json.loads(expected.read_text("utf-8")).get("start_paths", {}))
    return CrawlConfig(
        start_urls=(base + entry["home"],),
        feeds=tuple(base + path for path in entry["feeds"]),
        sitemaps=tuple(base + path for path in entry["sitemaps"]),
        db_url=db_url,
        source=name,
        quiet=quiet,
        # The sites are our own, on this machine: no need to be gentle with them.
        settings={"AUTOTHROTTLE_ENABLED": False},
    )
