"""A seeded mutation corpus for extraction fuzzing: real-looking pages, broken at random.

``mutated_pages(count, seed)`` yields ``count`` pages built from the seed pages (the suite's
own articles and the fixture sites' and articles' HTML files) by one to three mutations
each: byte damage, truncation, nesting bombs, tag soup, lying charsets, Unicode junk,
broken or deeply nested JSON-LD, date-like noise, huge attributes and splices of two
pages. The same ``seed`` always gives the same pages, so a failure can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.hostile import pages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_TAGS = (
    "<div>", "</div>", "<table>", "<tr><td>", "</td>", "<p>", "<span>", "<b><i>", "</b>",
    "<script>", "</script>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<svg>", "<math>",
    "<template>", "<noscript>", '<iframe srcdoc="<p>x', "<article>", "</article>", "<h1>",
    "<time datetime='", "<meta charset=", "<html>", "</html>", "<body>", "<?xml ", "<base href=",
)  # fmt: skip
_JUNK = (
    "\x00", "\u202e", "\u200b", "\ufeff", "&#xD800;", "&#0;", "&#x110000;", "\u0301" * 500,
    "&amp;" * 200, "&", "\r", "\x1b[31m", "\udcff", "𝕳𝖊𝖑𝖑𝖔", "\u0000\u0001\u0002",
)  # fmt: skip
_DATES = (
    "01/02/2024", "2024-13-45", "yesterday", "3 hours ago", "May", "31 février 2023",
    "9999-12-31T23:59:59Z", "0000-00-00", "1700000000", "Mon, 32 Jan 2024 25:61:00 GMT",
)  # fmt: skip
_CODECS = ("cp1252", "cp1251", "koi8-r", "gbk", "shift_jis", "euc-kr", "utf-16", "latin-1")

Mutator = Callable[[random.Random, bytes], bytes]


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: _at(rng, data)]


def delete_slice(rng: random.Random, data: bytes) -> bytes:
    start = _at(rng, data)
    return data[:start] + data[start + rng.randrange(1, 2000) :]


def repeat_slice(rng: random.Random, data: bytes) -> bytes:
    start = _at(rng, data)
    chunk = data[start : start + rng.randrange(1, 5000)]
    return data[:start] + chunk * rng.randrange(2, 60) + data[start:]


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + rng.randbytes(rng.randrange(1, 3000)) + data[at:]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randrange(1, 50)):
        if mutable:
            mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def nesting_bomb(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((300, 1000, 3000, 6000))
    tag = rng.choice(("div", "span", "b", "table", "ul"))
    at = _at(rng, data)
    return data[:at] + f"<{tag}>".encode() * depth + b"deep text" + data[at:]


def tag_soup(rng: random.Random, data: bytes) -> bytes:
    at = _at(rng, data)
    soup = "".join(rng.choice(_TAGS) for _ in range(rng.randrange(1, 400)))
    return data[:at] + soup.encode() + data[at:]


def unicode_junk(rng: random.Random, data: bytes) -> bytes:
    at = _at(rng, data)
    junk = "".join(rng.choice(_JUNK) for _ in range(rng.randrange(1, 100)))
    return data[:at] + junk.encode("utf-8", "surrogatepass") + data[at:]


def lying_charset(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    codec = rng.choice(_CODECS)
    declared = rng.choice(_CODECS + ("utf-8", "x-bogus", ""))
    text = text.replace('<meta charset="utf-8">', f'<meta charset="{declared}">')
    return text.encode(codec, "replace")


def bad_json_ld(rng: random.Random, data: bytes) -> bytes:
    payloads = (
        "[" * 5000 + "]" * 5000,
        '{"@type": "NewsArticle", "headline": ',
        '{"@graph": [' + '{"@type":"Person","name":"x"},' * 3000 + "{}]}",
        '{"datePublished": "' + rng.choice(_DATES) + '", "author": {"name": null}}',
        "\x00{}\x00",
    )
    script = f'<script type="application/ld+json">{rng.choice(payloads)}</script>'
    return data.replace(b"</head>", script.encode() + b"</head>", 1)


def date_noise(rng: random.Random, data: bytes) -> bytes:
    at = _at(rng, data)
    noise = " ".join(rng.choice(_DATES) for _ in range(rng.randrange(1, 400)))
    return data[:at] + f'<time datetime="{rng.choice(_DATES)}">{noise}</time>'.encode() + data[at:]


def huge_attribute(rng: random.Random, data: bytes) -> bytes:
    at = data.find(b"<p")
    value = "x" * rng.randrange(10_000, 300_000)
    return data[: max(at, 0)] + f'<p class="{value}">a</p>'.encode() + data[max(at, 0) :]


MUTATORS: tuple[Mutator, ...] = (
    truncate, delete_slice, repeat_slice, random_bytes, flip_bytes, nesting_bomb, tag_soup,
    unicode_junk, lying_charset, bad_json_ld, date_noise, huge_attribute,
)  # fmt: skip


def seed_pages() -> list[bytes]:
    """The pages mutations start from: the suite's own and the repository's fixture HTML."""
    own = [pages.english(), pages.conflicting_meta(), pages.json_ld('{"@type":"NewsArticle"}')]
    own += [pages.news_html("T", pages.TEXTS[lang], lang=lang) for lang in pages.TEXTS]
    found = sorted(FIXTURES.glob("articles/**/*.html")) + sorted(FIXTURES.glob("sites/*/**/*.html"))
    return [page.encode("utf-8") for page in own] + [path.read_bytes() for path in found[:120]]


def mutated_pages(count: int, seed: int = 20261127) -> Iterator[tuple[int, bytes]]:
    """``count`` (index, page) pairs, each a seed page after one to three mutations."""
    for index, page, _ in described_pages(count, seed):
        yield index, page


def described_pages(count: int, seed: int = 20261127) -> Iterator[tuple[int, bytes, str]]:
    """``mutated_pages`` with, for each page, the names of the mutations that made it."""
    rng = random.Random(seed)
    seeds = seed_pages()
    for index in range(count):
        data = rng.choice(seeds)
        names = []
        if rng.random() < 0.1:
            other = rng.choice(seeds)
            data = data[: len(data) // 2] + other[len(other) // 2 :]
            names.append("splice")
        for mutator in rng.sample(MUTATORS, rng.randrange(1, 4)):
            data = mutator(rng, data)
            names.append(mutator.__name__)
        yield index, data, "+".join(names)
