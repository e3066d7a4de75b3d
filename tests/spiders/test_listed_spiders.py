"""The ``feed``, ``sitemap`` and ``urls`` spiders: entries to article pages, dates as cut-offs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.spiders.conftest import SpiderRun

PORT = "/2024/05/14/port-authority-approves-new-container-terminal.html"
FERRY = "/2024/05/13/ferry-timetable-changes-for-summer-season.html"
LIFEBOAT = "/2024/05/10/lifeboat-crew-rescues-sailors-off-the-point.html"
MARKET = "/2024/04/29/fish-market-hall-to-reopen-after-renovation.html"
BALTIC = "/world/baltic-shipping-talks"


def test_rss_and_atom_feeds(run_spider: Callable[..., SpiderRun], base: str) -> None:
    run = run_spider("feed", feeds=f"{base}/feed.xml {base}/atom.xml")
    assert run.item_paths(base) == {PORT, FERRY, MARKET, LIFEBOAT, BALTIC}
    assert run.stats["news/listed/rss"] == 1 and run.stats["news/listed/feed"] == 1
    # The page is the truth: the feed's dc:creator is not what is stored, the page's byline is.
    assert {tuple(i["authors"]) for i in run.items} <= {
        ("Maria Lindqvist",),
        ("Jonas Berg",),
        ("Elin Sandberg",),
    }


def test_feed_since_skips_older_entries(run_spider: Callable[..., SpiderRun], base: str) -> None:
    run = run_spider("feed", feeds=f"{base}/feed.xml", since="2024-05-01")
    assert run.item_paths(base) == {PORT, FERRY}
    assert MARKET not in run.paths()
    assert run.stats["news/listed/older_than_since"] == 1


def test_feed_with_entity_declarations_is_refused(
    run_spider: Callable[..., SpiderRun], base: str
) -> None:
    run = run_spider("feed", feeds=f"{base}/feeds/bomb.xml")
    assert run.items == []
    assert run.stats["drop/xml_entities"] == 1
    assert run.paths() == ["/feeds/bomb.xml"]


def test_sitemaps_from_robots_txt(run_spider: Callable[..., SpiderRun], base: str) -> None:
    run = run_spider("sitemap", sitemaps=f"{base}/robots.txt")
    assert run.item_paths(base) == {PORT, FERRY, LIFEBOAT, BALTIC, MARKET}  # MARKET: gzipped
    assert run.stats["news/listed/sitemapindex"] == 1 and run.stats["news/listed/urlset"] == 2


def test_sitemap_since_uses_publication_date_and_lastmod(
    run_spider: Callable[..., SpiderRun], base: str
) -> None:
    run = run_spider("sitemap", sitemaps=f"{base}/sitemap_index.xml", since="2024-05-12")
    assert run.item_paths(base) == {PORT, FERRY, BALTIC}
    assert "/sitemaps/2024-04.xml.gz" not in run.paths()  # child sitemap older than the cut-off
    assert LIFEBOAT not in run.paths()


def test_urls_from_arguments_and_a_file(
    run_spider: Callable[..., SpiderRun], base: str, tmp_path: Path
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# picked by the desk\n{base}{MARKET}\n\n{base}/about/\n", "utf-8")
    run = run_spider("urls", urls=f"{base}{FERRY},{base}/missing-page", urls_file=str(listing))
    by_path = {i["url"].removeprefix(base): i for i in run.items}
    assert set(by_path) == {FERRY, MARKET, "/about/"}
    assert by_path["/about/"]["is_article"] is False  # yielded: the validate pipeline drops it
    assert run.stats["news/fetch/failed/http_404"] == 1
    assert sorted(run.paths()) == sorted([FERRY, MARKET, "/about/", "/missing-page"])
