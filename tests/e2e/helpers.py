"""End-to-end helpers: run the real ``crawler`` command, and what its crawls left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.siteserver import RequestRecord, SiteServer

SITES_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
#: Tests crawl our own local servers: no AutoThrottle pauses.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``crawler ARGS`` in a new process (a Twisted reactor cannot restart in this one)."""
    env = {**os.environ, "CRAWLER_EXTRACT_WORKERS": "2"}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@dataclass(frozen=True)
class CrawledSites:
    """What the crawls left behind: the database, each site's base URL, every request."""

    db_url: str
    bases: dict[str, str]
    requests: list[RequestRecord]
    runs: list[subprocess.CompletedProcess[str]]
    expected: dict[str, dict[str, Any]]

    def site_path(self, url: str) -> tuple[str, str]:
        """(site, path with query) of a URL on one of the served sites."""
        for site, base in self.bases.items():
            if url.startswith(base + "/"):
                return site, url[len(base) :]
        raise AssertionError(f"{url} is not on a served site")


def crawl_args(base: str, entry: dict[str, Any]) -> list[str]:
    """The ``crawler crawl`` arguments for one site's homepage, feeds and sitemaps."""
    args = [base + entry["home"]]
    for feed in entry["feeds"]:
        args += ["--feed", base + feed]
    for sitemap in entry["sitemaps"]:
        args += ["--sitemap", base + sitemap]
    return args


def crawl_in_order(
    server: SiteServer,
    db_url: str,
    expected: dict[str, dict[str, Any]],
    order: Sequence[Sequence[str]],
) -> list[subprocess.CompletedProcess[str]]:
    """One ``crawler crawl`` per group of sites, groups one after the other."""
    runs = []
    for group in order:
        args: list[str] = []
        for site in group:
            args += crawl_args(server.base_url(site), expected[site]["start_paths"])
        runs.append(run_cli("crawl", *args, "--db", db_url, "--quiet", *FAST))
    return runs
