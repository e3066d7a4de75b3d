"""End-to-end fixtures: the bundled sites crawled by the real ``crawler crawl`` into SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from crawler.siteserver import SiteServer
from tests.e2e.helpers import SITES_ROOT, CrawledSites, crawl_in_order


@pytest.fixture(scope="session")
def expected_sites() -> dict[str, dict[str, Any]]:
    """Each bundled site's ``expected.json`` by site name."""
    return {
        p.parent.name: json.loads(p.read_text("utf-8"))
        for p in sorted(SITES_ROOT.glob("*/expected.json"))
    }


@pytest.fixture(scope="module")
def crawled_sites(
    tmp_path_factory: pytest.TempPathFactory, expected_sites: dict[str, dict[str, Any]]
) -> Iterator[CrawledSites]:
    """The newspaper crawled first (it published the wire story first), then the other two."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'news.db'}"
    with SiteServer(SITES_ROOT) as server:
        order = [["newspaper"], [s for s in server.sites if s != "newspaper"]]
        runs = crawl_in_order(server, db_url, expected_sites, order)
        yield CrawledSites(
            db_url=db_url,
            bases={site: server.base_url(site) for site in server.sites},
            requests=server.request_log(),
            runs=runs,
            expected=expected_sites,
        )
