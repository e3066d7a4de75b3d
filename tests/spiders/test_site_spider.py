"""The ``site`` spider against a small local paper: what it stores, follows and never touches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.spiders.conftest import SpiderRun

ARTICLES = {
    "/2024/05/14/port-authority-approves-new-container-terminal.html",
    "/2024/05/13/ferry-timetable-changes-for-summer-season.html",
    "/2024/05/10/lifeboat-crew-rescues-sailors-off-the-point.html",
    "/2024/04/29/fish-market-hall-to-reopen-after-renovation.html",
    "/world/baltic-shipping-talks",
}


def test_site_crawl_yields_exactly_the_articles(
    run_spider: Callable[..., SpiderRun], base: str
) -> None:
    run = run_spider("site", start_urls=f"{base}/")
    assert run.item_paths(base) == ARTICLES
    assert len(run.items) == len(ARTICLES)  # the utm_ variants of related links were not refetched
    assert all(i["is_article"] and i["word_count"] > 100 for i in run.items)
    fetched = run.paths()
    assert "/news/page/2/" in fetched  # pagination followed
    assert not any(p.startswith("/private/") for p in fetched)  # robots.txt obeyed
    assert not any("utm_" in p or p.endswith(".jpg") for p in fetched)
    assert run.paths("other") == []  # another site (another port) is out of scope
    assert len(fetched) == len(set(fetched))
    stats = run.stats
    assert stats["news/site/listing"] >= 8  # home, news x2, tag, authors x3, about, contact...
    assert "/video/harbour-at-dawn-timelapse.html" in fetched  # read for links, not stored
    assert stats["drop/offsite"] >= 1 and stats["drop/not_a_page"] >= 1


def test_page_budget_and_requests_that_fit_a_disk_queue(
    run_spider: Callable[..., SpiderRun], base: str, tmp_path: Path
) -> None:
    settings = {"CRAWLER_MAX_PAGES": "4", "JOBDIR": str(tmp_path / "job")}
    run = run_spider("site", settings, start_urls=f"{base}/")
    assert len(run.paths()) == 4
    assert run.stats["drop/max_pages"] >= 1
    # Every request went through JOBDIR's pickled queue (callbacks are spider methods).
    assert run.stats["scheduler/enqueued/disk"] == run.stats["scheduler/enqueued"]
    assert "scheduler/unserializable" not in run.stats


def test_deny_and_allow_patterns(run_spider: Callable[..., SpiderRun], base: str) -> None:
    run = run_spider(
        "site", start_urls=f"{base}/", deny_patterns=r"/2024/05/1[34]/", allow_patterns="/2024/"
    )
    assert run.item_paths(base) == {
        "/2024/05/10/lifeboat-crew-rescues-sailors-off-the-point.html",
        "/2024/04/29/fish-market-hall-to-reopen-after-renovation.html",
    }
    assert not any(p.startswith(("/2024/05/13/", "/2024/05/14/")) for p in run.paths())
    assert "/world/baltic-shipping-talks" in run.paths()  # read for links, not an article


def test_items_carry_source_and_extractor_version(
    run_spider: Callable[..., SpiderRun], base: str
) -> None:
    url = f"{base}/2024/05/13/ferry-timetable-changes-for-summer-season.html"
    run = run_spider("site", start_urls=url, source="harbour-times", timezone="Europe/Oslo")
    item = next(i for i in run.items if i["url"] == url)
    assert item["source"] == "harbour-times"
    assert item["extractor_version"]
    assert item["requested_url"] == url
    assert item["title"] == "Ferry timetable changes for the summer season announced"
