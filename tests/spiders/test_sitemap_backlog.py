"""Child sitemaps wait for the scheduler to drain: pending requests stay bounded, nothing is lost.

Each test generates a site served on 127.0.0.1 (`crawler.siteserver`): a sitemap index of
child sitemaps listing small, distinct articles.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from crawler.siteserver import SiteServer

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_spider.py"
PER_CHILD = 30
WORDS = (  # noqa: SIM905 - a word list reads better as text
    "harbour ferry council budget school river bridge market season museum library station "
    "festival weather storm rescue crew island coast road tunnel hospital election mayor "
    "teachers students parents shipping container terminal fishermen quota wind farm tourists"
).split()


def _article(i: int) -> str:
    rng = random.Random(i)
    paragraphs = "".join(
        f"<p>{' '.join(rng.choice(WORDS) for _ in range(40)).capitalize()}.</p>" for _ in range(5)
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>Story {i} of the harbour"
        f"</title></head><body><article><h1>Story {i} of the harbour</h1>"
        f"<time datetime='2024-05-01T08:00:00+00:00'>1 May 2024</time>{paragraphs}"
        f"</article></body></html>"
    )


def _urlset(tag: str, root: str, paths: list[str]) -> str:
    entries = "".join(f"<{tag}><loc>{{{{base}}}}{p}</loc></{tag}>" for p in paths)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{root}>\n'
    )


def build_site(root: Path, children: int, per_child: int) -> tuple[list[str], list[str]]:
    """Write the site under ``root/news``: (child sitemap paths, article paths)."""
    site = root / "news"
    (site / "sitemaps").mkdir(parents=True)
    (site / "news").mkdir()
    child_paths, article_paths = [], []
    for k in range(children):
        paths = [f"/news/story-{k * per_child + j}.html" for j in range(per_child)]
        for path in paths:
            (site / path.lstrip("/")).write_text(_article(len(article_paths)), encoding="utf-8")
            article_paths.append(path)
        child = f"/sitemaps/{k}.xml"
        (site / child.lstrip("/")).write_text(_urlset("url", "urlset", paths), encoding="utf-8")
        child_paths.append(child)
    index = _urlset("sitemap", "sitemapindex", child_paths)
    (site / "sitemaps" / "index.xml").write_text(index, encoding="utf-8")
    return child_paths, article_paths


def _requested(server: SiteServer) -> Counter[str]:
    return Counter(r.path for r in server.request_log() if r.path != "/robots.txt")


def _count_pending(tmp_path: Path, sitemap: str, backlog: int) -> dict[str, object]:
    out = tmp_path / f"pending-{backlog}.json"
    command = [sys.executable, str(RUNNER), str(out), "sitemap", "-a", f"sitemaps={sitemap}"]
    command += ["-s", f"CRAWLER_DB_URL=sqlite:///{tmp_path / 'news.db'}"]
    command += ["-s", f"CRAWLER_SITEMAP_BACKLOG={backlog}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(out.read_text("utf-8")))


def test_pending_requests_stay_bounded_and_every_article_is_fetched(tmp_path: Path) -> None:
    children, articles = build_site(tmp_path / "sites", children=6, per_child=PER_CHILD)
    backlog = 20
    with SiteServer(tmp_path / "sites") as server:
        sitemap = f"{server.base_url('news')}/sitemaps/index.xml"
        held = _count_pending(tmp_path, sitemap, backlog)
        requested = _requested(server)
        server.clear_log()
        unbounded = _count_pending(tmp_path, sitemap, 0)  # the control: all sitemaps at once
        requested_unbounded = set(_requested(server))
    # Below the bound when a sitemap is released, plus the pages that sitemap lists.
    assert held["max_pending"] <= backlog + PER_CHILD
    assert {p: requested[p] for p in articles} == dict.fromkeys(articles, 1)
    assert {p: requested[p] for p in children} == dict.fromkeys(children, 1)
    stats = held["stats"]
    assert isinstance(stats, dict)
    assert stats["news/sitemaps/released"] == 6 and stats["news/items"] == len(articles)
    assert unbounded["max_pending"] > 2 * (backlog + PER_CHILD)
    assert requested_unbounded >= set(articles)


def test_a_rerun_reads_the_index_and_every_child_sitemap_again(tmp_path: Path) -> None:
    children, articles = build_site(tmp_path / "sites", children=3, per_child=8)
    with SiteServer(tmp_path / "sites") as server:
        sitemap = f"{server.base_url('news')}/sitemaps/index.xml"
        command = [sys.executable, "-m", "crawler", "crawl", "--sitemap", sitemap, "--quiet"]
        command += ["--db", f"sqlite:///{tmp_path / 'news.db'}"]
        command += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CRAWLER_SITEMAP_BACKLOG=5"]
        runs = {}
        for run in ("first", "rerun"):
            server.clear_log()
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{run}: {done.stderr[-3000:]}"
            runs[run] = _requested(server)
    for run, requested in runs.items():
        assert requested["/sitemaps/index.xml"] == 1, run
        assert {p: requested[p] for p in children} == dict.fromkeys(children, 1), run
    assert {p: runs["first"][p] for p in articles} == dict.fromkeys(articles, 1)
    # Stored articles are not fetched again; the sitemaps that list them are read again.
    assert not set(runs["rerun"]) & set(articles)
