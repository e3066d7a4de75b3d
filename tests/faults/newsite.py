"""A generated news site for the fault tests: N small article pages behind paged listings.

``build_site(root, articles)`` writes one `crawler.siteserver.SiteServer` site folder:
a homepage linking ``/section/page/K/`` listings of ``PER_LISTING`` articles each, and
article pages at dated paths, each with a unique body (seeded words, so no two are
near-duplicates) and links to two other articles. Pages are small (about 3 KB) so that a
crawl of thousands costs little extraction CPU.
"""

from __future__ import annotations

import random
from pathlib import Path

SITE = "news"
PER_LISTING = 100
_WORDS = (  # noqa: SIM905 - a word list reads better as text
    "harbour council budget river station museum festival weather transport housing "
    "research hospital union climate airport market energy police court school water "
    "minister election policy worker community resident committee agreement project "
    "proposal increase decline figures quarter annual morning evening weekend village "
    "bridge library garden factory railway ferry orchard bakery theatre stadium tunnel"
).split()


def article_path(i: int) -> str:
    """The URL path of article ``i`` (dated, so the spiders take it for an article)."""
    return f"/news/2024/{i % 12 + 1:02d}/{i % 28 + 1:02d}/story-{i}.html"


def build_site(root: Path, articles: int) -> Path:
    """Write the site folder ``root/news`` with ``articles`` articles; returns ``root``."""
    site = root / SITE
    listings = -(-articles // PER_LISTING)
    _write(
        site / "index.html",
        _page("Front page", _links(f"/section/page/{k}/" for k in range(listings))),
    )
    (site / "robots.txt").write_text("User-agent: *\nDisallow:\n", "utf-8")
    for k in range(listings):
        paths = (
            article_path(i) for i in range(k * PER_LISTING, min(articles, (k + 1) * PER_LISTING))
        )
        _write(site / "section" / "page" / str(k) / "index.html", _page(f"Page {k}", _links(paths)))
    for i in range(articles):
        _write(site / article_path(i).lstrip("/"), article_html(i, articles))
    return root


def article_html(i: int, total: int) -> str:
    """Article ``i``: headline, byline, date, five paragraphs of its own words."""
    rng = random.Random(i)
    title = " ".join(rng.choice(_WORDS) for _ in range(7)).capitalize() + f" {i}"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(_WORDS) for _ in range(60)).capitalize() + ".</p>"
        for _ in range(5)
    )
    related = _links(article_path((i * 7 + k) % total) for k in (1, 2))
    date = f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T08:30:00+00:00"
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
        f'<link rel="canonical" href="{{{{base}}}}{article_path(i)}">'
        f'<meta property="article:published_time" content="{date}"></head><body>'
        f"<main><article><h1>{title}</h1><p class=byline>By Kim Reporter</p>"
        f'<time datetime="{date}">{date[:10]}</time>{paragraphs}</article>'
        f"<aside><h2>Related</h2>{related}</aside></main></body></html>"
    )


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    )


def _links(paths: object) -> str:
    items = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)  # type: ignore[attr-defined]
    return f"<ul>{items}</ul>"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
