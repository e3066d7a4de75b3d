"""The throughput bench's article pages: benchmark pages cycled with a per-URL variation.

Page ``i`` is base page ``i % len(bases)`` with two changes, so that every URL has its own
body and no dedupe or near-duplicate rule can collapse the copies:

* every word of four or more letters in the page's text (outside tags, scripts, styles and
  comments) that is not capitalised gets a suffix of four ASCII letters unique to ``i``
  (``country`` -> ``countrybaqd``): two copies of one base share almost no 5-word
  shingle, while tags, numbers, capitalised words (names, months) and so dates stay intact;
* its ``rel=canonical`` and ``og:url`` point at its own bench URL, and root-relative links
  point at the original site (they would be 404s on the bench host).

Bases are the ``../shared/bench/article-extraction-benchmark/html/*.html.gz`` pages (read,
never copied) when present, else generated news pages. Rendering a page is one
``bytes.join`` per URL slot: microseconds, so the server is never the bottleneck.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARK_DIR = REPO.parent / "shared" / "bench" / "article-extraction-benchmark"
#: Articles per listing page and per child sitemap.
PER_LISTING = 100
PER_SITEMAP = 1000
CONTENT_TYPE = "text/html; charset=utf-8"

_SKIPPED = re.compile(
    r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>", re.S | re.I
)
_WORD = re.compile(r"(?<![&#\w])[^\W\d_]{4,}(?![\w;])")
_HEAD_TAG = re.compile(r"<(?:link|meta)\b[^>]*>", re.I)
_CANONICAL = re.compile(r"""\brel=["']?canonical\b|\bproperty=["']?og:url\b""", re.I)
_URL_ATTRIBUTE = re.compile(r"""(\b(?:href|content)=)(["']?)[^"'\s>]*\2""", re.I)
_ROOT_RELATIVE = re.compile(r"""(\bhref=["']?)/(?=[^/])""", re.I)
_URL_SLOT = "\x00"
_WORD_END = "\x01"


def article_path(i: int) -> str:
    """The bench path of article ``i`` (a dated path: the spiders take it for an article)."""
    return f"/news/2024/{i % 12 + 1:02d}/{i % 28 + 1:02d}/story-{i}.html"


def suffix(i: int) -> bytes:
    """Four letters unique to ``i`` (up to 26**4 pages)."""
    letters = []
    for _ in range(4):
        i, digit = divmod(i, 26)
        letters.append(chr(ord("a") + digit))
    return "".join(letters).encode()


@dataclass(frozen=True, slots=True)
class Template:
    """One base page cut at its variable spots: ``url_parts`` joined by the page URL, each
    part being word pieces joined by the page's suffix."""

    url_parts: tuple[tuple[bytes, ...], ...]
    origin: str

    def render(self, url: bytes, tag: bytes) -> bytes:
        return url.join(tag.join(pieces) for pieces in self.url_parts)


def make_template(html: str, origin: str) -> Template:
    """Cut ``html`` at its self-URLs and at the end of every suffixable word."""
    html = html.replace(_URL_SLOT, "").replace(_WORD_END, "")
    html = _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{origin}/", html)
    html = _HEAD_TAG.sub(_self_url_slot, html)
    marked: list[str] = []
    position = 0
    for skipped in _SKIPPED.finditer(html):
        marked.append(_WORD.sub(_mark_word, html[position : skipped.start()]))
        marked.append(skipped.group(0))
        position = skipped.end()
    marked.append(_WORD.sub(_mark_word, html[position:]))
    url_parts = tuple(
        tuple(piece.encode("utf-8") for piece in part.split(_WORD_END))
        for part in "".join(marked).split(_URL_SLOT)
    )
    return Template(url_parts, origin)


def _mark_word(word: re.Match[str]) -> str:
    """A word with the suffix mark after it, unless it is capitalised (a name, a month)."""
    text = word.group(0)
    return text if text[0].isupper() else text + _WORD_END


def _self_url_slot(tag: re.Match[str]) -> str:
    """A canonical ``<link>`` or ``og:url`` ``<meta>`` with its URL cut out; others as they are."""
    text = tag.group(0)
    if not _CANONICAL.search(text):
        return text
    return _URL_ATTRIBUTE.sub(lambda m: f'{m.group(1)}"{_URL_SLOT}"', text, count=1)


class PageSet:
    """``count`` article pages over a fixed list of templates."""

    def __init__(self, templates: list[Template], kind: str) -> None:
        if not templates:
            raise ValueError("no base pages")
        self.templates = templates
        self.kind = kind

    @classmethod
    def load(cls, data_dir: Path | None = BENCHMARK_DIR, generated: int = 181) -> PageSet:
        """Benchmark pages from ``data_dir`` if it has any, else ``generated`` made-up ones."""
        files = sorted((data_dir / "html").glob("*.html.gz")) if data_dir else []
        if not files:
            return cls(
                [
                    make_template(html, "https://example.org")
                    for html in (generated_page(n) for n in range(generated))
                ],
                "generated",
            )
        truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))  # type: ignore[operator]
        templates = []
        for path in files:
            page_id = path.name.removesuffix(".html.gz")
            url = truth.get(page_id, {}).get("url", "https://example.org/")
            origin = "/".join(url.split("/", 3)[:3])
            templates.append(
                make_template(gzip.decompress(path.read_bytes()).decode("utf-8"), origin)
            )
        return cls(templates, f"article-extraction-benchmark ({len(files)} pages)")

    def body(self, i: int, base_url: str) -> bytes:
        """The HTML of article ``i`` as served from ``base_url`` (no trailing slash)."""
        url = f"{base_url}{article_path(i)}".encode()
        return self.templates[i % len(self.templates)].render(url, suffix(i))


_WORDS = (  # noqa: SIM905 - a word list reads better as text
    "government council minister report market company city police court health school "
    "energy price water transport housing budget election policy worker union climate "
    "hospital research science museum festival weather station airport harbour river "
    "statement official spokesperson committee investigation agreement project proposal "
    "increase decline figures quarter annual community resident neighbourhood support "
    "decision meeting morning evening weekend yesterday announced expected according "
    "said "
).split()


def generated_page(n: int) -> str:
    """A made-up news page as heavy as a real one (about 100 KB): menus, scripts, styles,
    an article with JSON-LD, teasers and comments around it."""
    rng = random.Random(n)

    def words(count: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(count))

    def links(count: int, prefix: str) -> str:
        return "".join(
            f'<li class="menu-item"><a class="link" href="/{prefix}/{rng.choice(_WORDS)}-{k}/">'
            f"{words(2).title()}</a></li>"
            for k in range(count)
        )

    title = words(8).capitalize()
    paragraphs = "\n".join(
        f"<p>{words(rng.randint(30, 80)).capitalize()}.</p>" for _ in range(rng.randint(6, 16))
    )
    teasers = "".join(
        f'<div class="teaser"><a href="/news/2023/0{k % 9 + 1}/1{k % 9}/{words(1)}-{k}.html">'
        f'<img src="/img/{k}.jpg" alt=""><h3>{words(7).capitalize()}</h3></a>'
        f"<p>{words(20)}</p></div>"
        for k in range(24)
    )
    comments = "".join(
        f'<li class="comment"><span class="user">reader{k}</span><p>{words(25)}</p></li>'
        for k in range(12)
    )
    date = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:15:00+01:00"
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": date,
            "author": {"@type": "Person", "name": "Ann Writer"},
        }
    )
    config = json.dumps({f"slot{k}": {"sizes": [[300, 250], [728, 90]], "id": words(3)}
                         for k in range(150)})  # fmt: skip
    style = "".join(f".c{k}{{margin:{k % 9}px;color:#{k:06x}}}" for k in range(400))
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title} | Daily</title>"
        f'<link rel="canonical" href="https://example.org/a/{n}"><style>{style}</style>'
        f'<script type="application/ld+json">{ld}</script><script>var ads = {config};</script>'
        f'</head><body><header><nav><ul class="menu">{links(120, "section")}</ul></nav></header>'
        f'<main><article><h1>{title}</h1><p class="byline">By Ann Writer</p>'
        f'<time datetime="{date}">{date[:10]}</time>{paragraphs}</article>'
        f'<aside><h2>More news</h2>{teasers}</aside><section class="comments"><h2>Comments</h2>'
        f"<ol>{comments}</ol></section></main><footer><ul>{links(60, 'about')}</ul>"
        f"<p>Copyright Daily News. All rights reserved.</p></footer></body></html>"
    )
