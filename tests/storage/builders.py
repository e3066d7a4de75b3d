"""Builders for the storage and pipeline tests: items, bodies, and a clock moved by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.items import Article, ArticleItem

FETCHED = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
_WORDS = (
    "government",
    "council",
    "minister",
    "report",
    "city",
    "water",
    "budget",
    "school",
    "police",
    "court",
    "election",
    "river",
    "bridge",
    "hospital",
    "museum",
    "market",
    "energy",
    "train",
    "airport",
    "harbour",
    "festival",
    "climate",
    "storm",
    "union",
    "strike",
    "vaccine",
    "village",
    "farmer",
    "price",
    "housing",
    "tax",
    "bank",
    "library",
)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def body_text(seed: int, paragraphs: int = 8, words: int = 60) -> str:
    """A distinct article body of ``paragraphs`` x ``words`` words, reproducible from ``seed``."""
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(rng.choice(_WORDS) + str(rng.randrange(1000)) for _ in range(words)).capitalize()
        + "."
        for _ in range(paragraphs)
    )


def make_item(
    url: str, body: str, *, requested_url: str | None = None, **fields: Any
) -> ArticleItem:
    """An item as the normalize pipeline hands it to storage."""
    article_fields: dict[str, Any] = {
        "title": "A headline",
        "authors": ("Jane Doe",),
        "published_at": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "published_tz": "stated",
        "is_article": True,
        "language": "en",
    }
    item_fields = {
        k: fields.pop(k) for k in ("source", "canonical_url", "extractor_version") if k in fields
    }
    article_fields.update(fields)
    article = Article(
        url=url, fetched_at=FETCHED, body=body, word_count=len(body.split()), **article_fields
    )
    return ArticleItem(
        article=article,
        requested_url=requested_url or url,
        source=item_fields.get("source", "example"),
        canonical_url=item_fields.get("canonical_url", url),
        extractor_version=item_fields.get("extractor_version", "test-1"),
    )
