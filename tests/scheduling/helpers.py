"""Helpers of the end-to-end scheduling tests: sources files, `crawler` subprocesses, DB reads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from crawler.storage import open_database
from crawler.storage.engine import make_engine
from crawler.storage.runs import RunRecord

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
#: Fast, deterministic crawls of the local sites.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CRAWLER_DB_FLUSH_INTERVAL=0.5")


def write_sources(path: Path, *tables: dict[str, object]) -> Path:
    """A sources file holding ``tables``, one ``[[source]]`` each."""
    lines: list[str] = []
    for table in tables:
        lines.append("[[source]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawler_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def run_crawler(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``crawler ARGS`` in a subprocess (a crawl needs its own process), output captured."""
    return subprocess.run(
        crawler_command(*args), capture_output=True, text=True, timeout=timeout, check=False
    )


def article_urls(db_url: str) -> list[str]:
    """The canonical URL of every stored article row (duplicates of a URL would repeat)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text("select canonical_url from articles")))
    finally:
        engine.dispose()


def runs_of(db_url: str) -> list[RunRecord]:
    """Every crawl_runs row, oldest first."""
    database = open_database(db_url)
    try:
        return database.recent_runs(limit=1000)[::-1]
    finally:
        database.close()


def add_article(site_dir: Path, number: int, title: str, paragraphs: list[str]) -> str:
    """Publish a new article on the ``defense`` copy, linked first from the homepage and
    /news/; returns its URL path."""
    template = next((site_dir / "news").glob("*/*.html"))
    old_number, old_slug = template.parent.name, template.stem
    slug = re.sub(r"\W+", "_", title).strip("_")
    page = template.read_text(encoding="utf-8")
    old_title = re.search(r"<h1>(.*?)</h1>", page)
    assert old_title is not None
    page = page.replace(old_title.group(1), title).replace(old_slug, slug)
    page = page.replace(f"/news/{old_number}/", f"/news/{number}/")
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    page = re.sub(
        r'(<div class="news-content" id="news_content">).*?(</div>)',
        lambda m: f'{m.group(1)}\n<h1 class="content-title">{title}</h1>\n{body}{m.group(2)}',
        page,
        count=1,
        flags=re.S,
    )
    path = f"/news/{number}/{slug}"
    (site_dir / "news" / str(number)).mkdir()
    (site_dir / "news" / str(number) / f"{slug}.html").write_text(page, encoding="utf-8")
    item = f'<div class="news-item"><h2><a href="{{{{base}}}}{path}">{title}</a></h2></div>\n'
    for listing in (site_dir / "index.html", site_dir / "news" / "index.html"):
        text = listing.read_text(encoding="utf-8")
        assert '<div class="news-list">' in text, listing
        listing.write_text(
            text.replace('<div class="news-list">', '<div class="news-list">\n' + item, 1)
        )
    return path
