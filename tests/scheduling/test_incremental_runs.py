"""Recrawls of a site that gains articles: only the new ones are fetched and stored."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.siteserver import SiteServer
from tests.scheduling.helpers import (
    FAST,
    add_article,
    article_urls,
    run_crawler,
    runs_of,
    write_sources,
)

NEW = [
    (
        23001,
        "Coast Guard Orders Four Long Range Patrol Cutters",
        [
            "The coast guard has ordered four long-range patrol cutters from a domestic "
            "shipyard, with the first hull due in the water within three years and the last "
            "before the end of the decade.",
            "Each cutter will carry a light helicopter and two fast interceptor boats for "
            "boarding operations far from shore, where smuggling routes have moved as patrols "
            "closer to the coast were stepped up.",
            "The service said the ships would replace vessels that have been in service for "
            "more than forty years and now spend a growing share of each year in dry dock "
            "for repairs to their hulls and engines.",
            "Shipyard managers said the contract would keep about two thousand people employed "
            "and that the yard would hire apprentices for welding and electrical work as the "
            "programme moves into full production.",
            "Lawmakers from coastal districts welcomed the order but asked whether the budget "
            "for crews and maintenance had been set aside, pointing to earlier ships that sat "
            "idle for lack of trained sailors.",
        ],
    ),
    (
        23002,
        "Army Tests Hydrogen Powered Reconnaissance Vehicle In Desert Trials",
        [
            "An experimental reconnaissance vehicle running on hydrogen fuel cells has "
            "completed a month of desert trials, the army's research command said on "
            "Thursday, covering more than three thousand kilometres of sand and gravel tracks.",
            "Engineers said the quiet electric drive let crews approach observation posts "
            "without being heard, and that the vehicle gave off far less heat than a diesel "
            "truck of the same size, making it harder to spot at night.",
            "Refuelling in the field remains the main obstacle. The trial relied on a "
            "trailer-mounted tank that had to be brought forward by a support team, which "
            "planners said would be a target in any real conflict.",
            "The command is studying whether hydrogen could be produced near the front from "
            "water and solar power, though officials cautioned that such equipment is years "
            "away from being rugged enough for army use.",
            "A second phase of trials in cold weather is planned for the winter, when the "
            "research team wants to measure how low temperatures affect the fuel cells and "
            "the batteries that buffer them.",
        ],
    ),
]


def paths(urls: list[str]) -> set[str]:
    return {urlsplit(url).path for url in urls}


def requests_to(server: SiteServer, site: str) -> list[tuple[str, int]]:
    """(path without query, status) of each request to ``site`` since the log was cleared."""
    return [(urlsplit(r.path).path, r.status) for r in server.request_log() if r.site == site]


@pytest.mark.slow
def test_recrawls_fetch_and_store_only_new_articles_and_unchanged_pages_answer_304(
    news_sites: SiteServer, defense_sources: Path, tmp_path: Path, sqlite_url: str
) -> None:
    sources = defense_sources
    command = ("run-due", "--sources", str(sources), "--db", sqlite_url, "--quiet", *FAST)

    first = run_crawler(*command)
    assert first.returncode == 0, first.stderr
    before = article_urls(sqlite_url)
    expected = json.loads((news_sites.site_dir("defense") / "expected.json").read_text("utf-8"))
    assert paths(before) == {article["path"] for article in expected["articles"]}
    assert len(set(before)) == len(before)

    site_dir = news_sites.site_dir("defense")
    added = {add_article(site_dir, number, title, body) for number, title, body in NEW}
    news_sites.clear_log()
    time.sleep(1)  # the schedule is 1s
    second = run_crawler(*command)
    assert second.returncode == 0, second.stderr
    after = article_urls(sqlite_url)
    assert len(set(after)) == len(after)
    assert paths(after) - paths(before) == added  # exactly the new ones
    log = requests_to(news_sites, "defense")
    fetched = dict(log)
    assert added <= set(fetched)
    assert not paths(before) & set(fetched)  # no stored article page was requested
    assert fetched["/news/"] == 200  # a changed listing
    not_modified = [path for path, status in log if status == 304]
    assert "/features/" in not_modified  # an unchanged listing costs a 304, and no parsing:
    run = runs_of(sqlite_url)[-1]
    assert run.status == "completed" and run.stored == len(NEW)
    assert run.stats["news/conditional/not_modified"] == len(not_modified)
    parsed = [p for p, status in log if status == 200 and p not in added and p != "/robots.txt"]
    assert run.stats["news/site/listing"] == len(parsed)

    news_sites.clear_log()
    time.sleep(1)
    third = run_crawler(*command)  # nothing changed
    assert third.returncode == 0, third.stderr
    assert paths(article_urls(sqlite_url)) == paths(after)
    statuses = {path: status for path, status in requests_to(news_sites, "defense")}
    assert statuses.pop("/") == 200  # the start page is always read in full
    assert statuses.pop("/robots.txt") == 200
    assert statuses and set(statuses.values()) == {304}  # every listing it links: 304
    assert runs_of(sqlite_url)[-1].status == "completed"


def test_an_unchanged_feed_costs_one_304_and_the_run_succeeds(
    news_sites: SiteServer, tmp_path: Path, sqlite_url: str
) -> None:
    feed = f"{news_sites.base_url('wordpress')}/feed/"
    sources = write_sources(
        tmp_path / "sources.toml", {"name": "blog", "feeds": [feed], "schedule": "1s"}
    )
    command = ("run-due", "--sources", str(sources), "--db", sqlite_url, "--quiet", *FAST)
    first = run_crawler(*command)
    assert first.returncode == 0, first.stderr
    news_sites.clear_log()
    time.sleep(1)
    second = run_crawler(*command)
    assert requests_to(news_sites, "wordpress") == [("/robots.txt", 200), ("/feed/", 304)]
    assert runs_of(sqlite_url)[-1].status == "completed"
    assert second.returncode == 0, second.stderr
