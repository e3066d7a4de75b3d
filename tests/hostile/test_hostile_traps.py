"""Crawler traps: each real page fetched once, endless URL spaces cut off and counted."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.middlewares.traps import strip_session_ids, trap_kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://a.example/calendar/2019/05", "calendar"),  # 7 years back in a calendar
        ("http://a.example/2031/01/02/future", "calendar"),
        ("http://a.example/events?date=1990-01-01", "calendar"),
        ("http://a.example/news/2003/05/12/old-but-real", None),  # archives are articles
        ("http://a.example/news/2021/paris-events-2019", None),
        ("http://a.example/a/news/a/news/a/news/", "repeated_segments"),
        ("http://a.example/" + "x" * 1200, "url_too_long"),
        ("http://a.example/world/2026/11/26/story?page=2", None),
    ],
)
def test_trap_kinds(url, kind):
    assert trap_kind(url, max_length=1000, current_year=2026) == kind


def test_session_ids_are_stripped_and_the_rest_kept():
    assert (
        strip_session_ids("http://a.b/x;jsessionid=0A1B?id=3&PHPSESSID=ff") == "http://a.b/x?id=3"
    )
    assert strip_session_ids("http://a.b/x?sid=9&ref=home") == "http://a.b/x?ref=home"
    assert strip_session_ids("http://a.b/search?s=term&q=1") == "http://a.b/search?s=term&q=1"


def test_traps_are_cut_off_and_real_pages_fetched_once(hostile, run_crawl):
    xml = {"Content-Type": "application/xml"}
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    )
    hostile.page(
        "/sitemap-a.xml",
        f"{index}<sitemap><loc>{hostile.url('/sitemap-b.xml')}</loc>"
        f"</sitemap><sitemap><loc>{hostile.url('/ok/from-a')}</loc></sitemap></sitemapindex>",
        headers=xml,
    )
    hostile.page(
        "/sitemap-b.xml",
        f"{index}<sitemap><loc>{hostile.url('/sitemap-a.xml')}</loc>"
        f"</sitemap><sitemap><loc>{hostile.url('/ok/from-b')}</loc></sitemap></sitemapindex>",
        headers=xml,
    )
    seeds = [
        hostile.url("/trap/calendar/2024"),
        hostile.url("/trap/session/"),
        hostile.url("/trap/repeat/"),
        hostile.url("/trap/long/x"),
        hostile.url("/trap/sort"),
        hostile.url("/sitemap-a.xml"),
    ]
    run = run_crawl(seeds, settings={"CRAWLER_MAX_QUERY_VARIANTS": "20"}, timeout=60)

    hits = Counter((hit.path, str(sorted(hit.query.items()))) for hit in hostile.hits)
    paths = Counter(hit.path for hit in hostile.hits)
    # Calendar: 2021 to 2027 are walked (five years back, one ahead), 2020 and 2028 are not.
    years = sorted(int(h.path.rsplit("/", 1)[-1]) for h in hostile.hits_for("/trap/calendar/"))
    assert years == list(range(2021, 2028))
    # Session ids: each article once, whatever id each visit put in its links.
    for article in ("article-1", "article-2", "article-3"):
        assert paths[f"/trap/session/{article}"] == 1, article
    assert paths["/trap/session/"] == 1
    # Repeated segments: /repeat/, /repeat/news/, /repeat/news/news/, then cut.
    assert len(hostile.hits_for("/trap/repeat")) == 3
    # Over-long URLs are cut at 1000 characters.
    assert all(len(hostile.url(h.path)) <= 1000 for h in hostile.hits_for("/trap/long"))
    assert len(hostile.hits_for("/trap/long")) < 10
    # Sort/filter permutations: at most 20 distinct query strings for one path.
    assert 0 < len(hostile.hits_for("/trap/sort")) <= 21
    # A sitemap index loop: each sitemap and each page once.
    for path in ("/sitemap-a.xml", "/sitemap-b.xml", "/ok/from-a", "/ok/from-b"):
        assert paths[path] == 1, path
    assert max(hits.values()) == 1  # no URL was fetched twice
    kinds = {
        k: run.stats.get(f"news/traps/{k}", 0)
        for k in ("calendar", "repeated_segments", "url_too_long", "query_permutations")
    }
    assert all(kinds.values()), kinds
    assert run.drops("trap_suspected") == sum(kinds.values())
    assert run.stats["news/traps/session_id_stripped"] >= 6


def test_a_host_page_budget_stops_an_endless_host(hostile, run_crawl):
    run = run_crawl(
        [hostile.url("/trap/sort")],
        settings={"CRAWLER_HOST_PAGE_BUDGET": "10", "CRAWLER_MAX_QUERY_VARIANTS": "1000"},
    )
    assert len(hostile.hits_for("/trap/sort")) == 10
    assert run.drops("host_budget") > 0


def test_a_url_the_user_gave_is_never_dropped_as_a_trap():
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.drops import Dropped
    from crawler.middlewares.traps import HostBudgetMiddleware

    seed = "http://a.example/sitemaps/5000/index.xml"  # a number shaped like a far year
    linked = "http://a.example/archive/5000/index.xml"

    class SeededSpider(Spider):
        name = "seeded"
        seed_urls = (seed,)

    crawler = get_crawler(SeededSpider)
    crawler.spider = SeededSpider()
    middleware = HostBudgetMiddleware.from_crawler(crawler)
    assert trap_kind(seed, max_length=1000, current_year=2026) == "calendar"
    assert middleware.process_request(Request(seed)) is None
    with pytest.raises(Dropped):
        middleware.process_request(Request(linked))
