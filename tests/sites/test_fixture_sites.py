"""The bundled news sites: generated output is current, expected.json matches what is served,
every link resolves, and only the declared syndicated copies are near-duplicates."""

from __future__ import annotations

import html
import itertools
import re
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from crawler.siteserver import SiteServer

ARTICLE_KEYS = {
    "path",
    "title",
    "authors",
    "byline",
    "published_at",
    "published_tz",
    "first_sentence",
    "last_sentence",
    "also_reachable_at",
    "duplicate_of",
}


def fetch(url: str) -> tuple[int, str, str]:
    """Status, final URL and text of a GET that follows redirects."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.url, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, url, ""


def page_text(markup: str) -> str:
    """The visible text of a page with whitespace collapsed."""
    tree = lxml.html.fromstring(markup)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(tree.text_content().split())


def canonical_of(markup: str) -> str | None:
    found = lxml.html.fromstring(markup).xpath("//link[@rel='canonical']/@href")
    return found[0] if found else None


def test_generated_output_is_current(sites_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(sites_root / "build.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, "run tests/fixtures/sites/build.py:\n" + result.stdout


def test_expected_files_cover_sixty_articles(expected_by_site: dict[str, dict[str, Any]]) -> None:
    assert set(expected_by_site) >= {"defense", "wordpress", "newspaper"}
    total = 0
    for site, expected in expected_by_site.items():
        paths = [a["path"] for a in expected["articles"]]
        assert len(paths) == len(set(paths)), site
        assert not set(paths) & set(expected["not_stored"]), site
        for article in expected["articles"]:
            assert set(article) >= ARTICLE_KEYS, article["path"]
            assert article["title"] and article["authors"] and article["byline"]
        total += len(paths)
    assert total >= 60


def test_expected_articles_are_served_as_described(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]]
) -> None:
    def check(site: str, article: dict[str, Any]) -> list[str]:
        base = bundled_sites.base_url(site)
        status, final, markup = fetch(base + article["path"])
        if status != 200:
            return [f"{site}{article['path']}: {status}"]
        problems = []
        text = page_text(markup)
        for key in ("title", "first_sentence", "last_sentence"):
            if article[key] not in text:
                problems.append(f"{site}{article['path']}: {key} not on the page")
        if text.find(article["first_sentence"]) > text.find(article["last_sentence"]):
            problems.append(f"{site}{article['path']}: last sentence before first")
        if canonical_of(markup) != base + article["path"]:
            problems.append(f"{site}{article['path']}: canonical {canonical_of(markup)}")
        for variant in article["also_reachable_at"]:
            v_status, _, v_markup = fetch(base + variant)
            if v_status != 200 or canonical_of(v_markup) != base + article["path"]:
                problems.append(f"{site}{variant}: {v_status}, canonical {canonical_of(v_markup)}")
        return problems

    jobs = [(s, a) for s, e in expected_by_site.items() for a in e["articles"]]
    with ThreadPoolExecutor(8) as pool:
        problems = [p for found in pool.map(lambda job: check(*job), jobs) for p in found]
    assert problems == []


def test_pages_that_must_not_be_stored_exist(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]]
) -> None:
    urls = [
        bundled_sites.base_url(s) + p for s, e in expected_by_site.items() for p in e["not_stored"]
    ]
    with ThreadPoolExecutor(8) as pool:
        statuses = dict(zip(urls, pool.map(lambda u: fetch(u)[0], urls), strict=True))
    assert {u: s for u, s in statuses.items() if s != 200} == {}


def test_robots_txt_forbids_exactly_the_never_fetched_pages(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]]
) -> None:
    for site, expected in expected_by_site.items():
        base = bundled_sites.base_url(site)
        robots = urllib.robotparser.RobotFileParser(base + "/robots.txt")
        robots.read()
        assert expected["never_fetched"], site
        for path in expected["never_fetched"]:
            assert not robots.can_fetch("news-crawler", base + path), path
        for article in expected["articles"]:
            assert robots.can_fetch("news-crawler", base + article["path"]), article["path"]


def crawl_site(server: SiteServer, site: str) -> dict[str, int]:
    """Every same-site URL linked from the homepage onwards, with its final status."""
    base = server.base_url(site)
    others = {server.base_url(s) for s in server.sites}
    seen: dict[str, int] = {}
    queue = deque([base + "/"])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        status, final, markup = fetch(url)
        seen[url] = status
        if status != 200 or not final.startswith(base) or "<html" not in markup[:200].lower():
            continue
        for href in lxml.html.fromstring(markup).xpath("//a/@href"):
            link = urldefrag(urljoin(url, href))[0]
            origin = "{}://{}".format(*urlsplit(link)[:2])
            if origin == base and link not in seen:
                queue.append(link)
            elif origin in others and origin != base and link not in seen:
                seen[link] = fetch(link)[0]
    return seen


@pytest.mark.parametrize("site", ["defense", "wordpress", "newspaper"])
def test_every_link_resolves_and_every_article_is_reachable(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]], site: str
) -> None:
    expected = expected_by_site[site]
    found = crawl_site(bundled_sites, site)
    base = bundled_sites.base_url(site)
    assert {u: s for u, s in found.items() if s != 200} == {}
    paths = {u.removeprefix(base) for u in found}
    missing = {a["path"] for a in expected["articles"]} - paths
    assert missing == set(), "articles not linked from the homepage onwards"
    assert set(expected["never_fetched"]) <= paths, "disallowed pages should be linked"
    assert any("?" in p for p in paths), "no links with query strings"
    assert len(paths) > len(expected["articles"]) + len(expected["not_stored"]) // 2


def feed_links(markup: bytes) -> list[str]:
    """Entry links of an RSS 2.0 or Atom feed, and the locations of a sitemap."""
    root = lxml.etree.fromstring(markup)
    links = root.xpath("//item/link/text()")
    links += root.xpath("//*[local-name()='entry']/*[local-name()='link'][@rel='alternate']/@href")
    links += root.xpath("//*[local-name()='loc']/text()")
    return [html.unescape(link) for link in links]


def test_feeds_and_sitemaps_list_the_expected_pages(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]]
) -> None:
    for site, expected in expected_by_site.items():
        base = bundled_sites.base_url(site)
        listed = {**expected.get("feeds", {}), **expected.get("sitemaps", {})}
        for path, pages in listed.items():
            with urllib.request.urlopen(base + path) as resp:
                links = feed_links(resp.read())
            paths = [urlsplit(link).path for link in links]
            assert all(link.startswith(base + "/") for link in links), path
            assert paths == pages, path
        for index in expected["start_paths"]["sitemaps"]:
            with urllib.request.urlopen(base + index) as resp:
                children = {urlsplit(u).path for u in feed_links(resp.read())}
            assert children == set(expected["sitemaps"]), index


def body_paragraphs(markup: str, first: str, last: str) -> list[str]:
    """The paragraphs from the one holding ``first`` to the one holding ``last``, without
    ``ALSO READ`` lines and newsletter prompts: what a correct extractor keeps."""
    texts = [" ".join(p.text_content().split()) for p in lxml.html.fromstring(markup).iter("p")]
    start = next(i for i, t in enumerate(texts) if first in t)
    end = next(i for i, t in enumerate(texts) if last in t)
    boilerplate = ("ALSO READ", "Sign up for our free")
    return [t for t in texts[start : end + 1] if not t.startswith(boilerplate)]


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_only_declared_wire_copies_are_near_duplicates(
    bundled_sites: SiteServer, expected_by_site: dict[str, dict[str, Any]]
) -> None:
    bodies: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for site, expected in expected_by_site.items():
        for article in expected["articles"]:
            markup = fetch(bundled_sites.base_url(site) + article["path"])[2]
            body = body_paragraphs(markup, article["first_sentence"], article["last_sentence"])
            bodies[site, article["path"]] = shingles(" ".join(body))
    declared = {
        frozenset({(site, a["path"]), (a["duplicate_of"]["site"], a["duplicate_of"]["path"])})
        for site, e in expected_by_site.items()
        for a in e["articles"]
        if a["duplicate_of"]
    }
    assert declared, "no syndicated copy declared"
    for one, two in itertools.combinations(bodies, 2):
        similarity = len(bodies[one] & bodies[two]) / len(bodies[one] | bodies[two])
        if frozenset({one, two}) in declared:
            assert similarity > 0.8, (one, two, similarity)
        else:
            assert similarity < 0.2, (one, two, similarity)
