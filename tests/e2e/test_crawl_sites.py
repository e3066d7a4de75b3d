"""Real crawls of the bundled news sites with ``crawler crawl``, checked against expected.json."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.storage import open_database
from crawler.storage.queries import export_records
from tests.e2e.helpers import CrawledSites

SITES = ("defense", "newspaper", "wordpress")


def stored(crawl: CrawledSites) -> dict[tuple[str, str], dict[str, Any]]:
    """Stored articles by (site, path) of their canonical URL."""
    database = open_database(crawl.db_url, migrate=False)
    try:
        with database.read() as conn:
            records = list(export_records(conn))
    finally:
        database.close()
    return {crawl.site_path(r["canonical_url"]): r for r in records}


def variants(crawl: CrawledSites) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Every URL recorded for each stored article, by the article's (site, path)."""
    engine = sa.create_engine(crawl.db_url)
    query = sa.text(
        "select a.canonical_url, u.url from article_urls u join articles a on a.id = u.article_id"
    )
    found: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    with engine.connect() as conn:
        for canonical, url in conn.execute(query):
            found[crawl.site_path(canonical)].add(crawl.site_path(url))
    engine.dispose()
    return found


def instant(text: str | None) -> datetime | None:
    """The moment an ISO 8601 string names (the export keeps the page's own offset)."""
    return datetime.fromisoformat(text) if text else None


def test_every_crawl_exits_zero(crawled_sites: CrawledSites) -> None:
    for run in crawled_sites.runs:
        assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("site", SITES)
def test_exactly_the_expected_articles_are_stored(crawled_sites: CrawledSites, site: str) -> None:
    expected = {a["path"] for a in crawled_sites.expected[site]["articles"]}
    got = {path for (s, path) in stored(crawled_sites) if s == site}
    assert sorted(got - expected) == [], "stored but not expected"
    assert sorted(expected - got) == [], "expected but not stored"


@pytest.mark.parametrize("site", SITES)
def test_stored_fields_match(crawled_sites: CrawledSites, site: str) -> None:
    articles = stored(crawled_sites)
    wrong: list[str] = []
    for want in crawled_sites.expected[site]["articles"]:
        got = articles.get((site, want["path"]))
        if got is None:
            continue  # reported by test_exactly_the_expected_articles_are_stored
        checks = {key: got[key] == want[key] for key in ("title", "authors", "byline")}
        checks["published_tz"] = got["published_tz"] == want["published_tz"]
        checks["published_at"] = instant(got["published_at"]) == instant(want["published_at"])
        checks["body start"] = got["body"].startswith(want["first_sentence"])
        checks["body end"] = got["body"].endswith(want["last_sentence"])
        wrong += [f"{want['path']}: {name}" for name, ok in checks.items() if not ok]
    assert wrong == []


@pytest.mark.parametrize("site", SITES)
def test_duplicates_point_at_the_first_copy(crawled_sites: CrawledSites, site: str) -> None:
    articles = stored(crawled_sites)
    for want in crawled_sites.expected[site]["articles"]:
        got = articles.get((site, want["path"]))
        if got is None:
            continue
        original = want["duplicate_of"]
        duplicate_of = got["duplicate_of"] and crawled_sites.site_path(got["duplicate_of"])
        assert duplicate_of == (original and (original["site"], original["path"])), want["path"]


@pytest.mark.parametrize("site", SITES)
def test_url_variants_belong_to_their_article(crawled_sites: CrawledSites, site: str) -> None:
    recorded = variants(crawled_sites)
    for want in crawled_sites.expected[site]["articles"]:
        allowed = {(site, p) for p in (want["path"], *want["also_reachable_at"])}
        extra = recorded.get((site, want["path"]), set()) - allowed
        assert not extra, f"{want['path']} recorded under {sorted(extra)}"


@pytest.mark.parametrize("site", SITES)
def test_no_listing_or_private_page_is_stored(crawled_sites: CrawledSites, site: str) -> None:
    not_stored = set(crawled_sites.expected[site]["not_stored"])
    recorded = {url for urls in variants(crawled_sites).values() for url in urls}
    assert sorted(p for s, p in recorded if s == site and p in not_stored) == []


@pytest.mark.parametrize("site", SITES)
def test_disallowed_pages_are_never_fetched(crawled_sites: CrawledSites, site: str) -> None:
    never = crawled_sites.expected[site]["never_fetched"]
    fetched = {r.path for r in crawled_sites.requests if r.site == site}
    assert fetched, "the site was not crawled at all"
    assert [p for p in fetched if any(p.startswith(n) for n in never)] == []


def test_tracking_variants_are_never_requested(crawled_sites: CrawledSites) -> None:
    """Links and feed entries with utm_*/fbclid parameters are cleaned before they are fetched."""
    tracked = [r.path for r in crawled_sites.requests if "utm_" in r.path or "fbclid" in r.path]
    assert tracked == []
