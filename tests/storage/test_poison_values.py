"""Poison values in whole articles: stored on SQLite and PostgreSQL, sanitised the same way.

NUL bytes, lone surrogates, C0 controls, a 10 MB body, 4-byte emoji and URLs of 2,000 to
5,000 characters go in every text field of real articles; both databases store them with
0 insert errors and read back the same rows, equal to the sanitised input.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem
from crawler.storage import BatchWriter, open_database
from crawler.storage.models import ArticleRow, ArticleUrl
from crawler.storage.sanitize import clean_text
from crawler.urls import canonicalize_url, url_key
from tests.storage.builders import FakeClock, body_text, make_item

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: Every kind of poison at once: NUL, other C0 controls, lone surrogates, 4-byte emoji.
POISON = "\x00nul\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1f \ud800lone\udfff \U0001f600\U0001f9ea\u200b"
BIG = 10_000_000
#: What the database must never hold: C0 controls other than tab, newline, CR; surrogates.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def poisoned(field: str, i: int) -> str:
    return f"{field} {i} {POISON} end"


def long_url(i: int, length: int) -> str:
    """An absolute URL of about ``length`` characters with poison and emoji in its path."""
    head = f"https://poison.example.com/news/{i}/\U0001f600-\x00-\ud800-"
    return head + "x" * (length - len(head) - 12) + f"?q={i}\x1f\U0001f9ea"


def poison_items() -> list[ArticleItem]:
    """Articles with poison in every text field; one has a 10 MB body, two very long URLs."""
    items = []
    for i, length in enumerate((60, 2_100, 5_000)):
        url = long_url(i, length)
        body = body_text(i) + "\n\n" + POISON + "\t tab kept\r\n" + body_text(100 + i)
        if i == 0:  # 10 MB of distinct words, poison in every paragraph
            paragraph = body_text(7, paragraphs=1) + POISON
            body = "\n\n".join([paragraph] * (BIG // len(paragraph) + 1))
        items.append(
            make_item(
                url,
                body,
                requested_url=url + "&from=\x00feed",
                title=poisoned("title", i),
                byline=poisoned("byline", i),
                authors=(poisoned("author", i), "Zoë \U0001f600"),
                published_raw=poisoned("published", i),
                description=poisoned("description", i),
                site_name=poisoned("site", i),
                tags=(poisoned("tag", i), "\x00"),
                image_url=f"https://poison.example.com/{i}.jpg\x00\ud800",
                provenance={poisoned("key", i): poisoned("layer", i)},
                flags=(poisoned("flag", i),),
                source=poisoned("source", i),
            )
        )
    return items


def stored_rows(db_url: str) -> dict[str, Any]:
    """Every article row and URL variant, by key, in dialect-neutral values."""
    database = open_database(db_url, migrate=False)
    try:
        with database.read() as conn:
            articles = {
                row["url_key"]: _neutral(row)
                for row in conn.execute(sa.select(ArticleRow.__table__)).mappings()
            }
            urls = {
                row["url_key"]: _neutral(row)
                for row in conn.execute(sa.select(ArticleUrl.__table__)).mappings()
            }
    finally:
        database.close()
    return {"articles": articles, "article_urls": urls}


def _neutral(row: Any) -> dict[str, Any]:
    values = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif isinstance(value, bytes):
            value = value.hex()
        values[name] = value
    return values


def strings(value: Any) -> list[str]:
    """Every string in a row value (JSON included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.postgres
def test_poison_articles_are_stored_identically_on_sqlite_and_postgres(
    sqlite_url: str, postgres_url: str
) -> None:
    items = poison_items()
    rows = {}
    for name, url in (("sqlite", sqlite_url), ("postgres", postgres_url)):
        database = open_database(url, clock=FakeClock(NOW))
        try:
            outcome = BatchWriter(database, attempts=1).write(items)
        finally:
            database.close()
        assert outcome.lost == () and outcome.retries == 0, name
        assert outcome.result.stored == len(items), name
        rows[name] = stored_rows(url)
    assert rows["sqlite"] == rows["postgres"]
    articles = rows["sqlite"]["articles"]
    assert len(articles) == len(items)
    for item in items:
        article = item.article
        canonical = canonicalize_url(clean_text(article.url))
        row = articles[url_key(canonical)]
        assert row["url"] == clean_text(article.url)
        assert row["body"] == clean_text(article.body)
        assert row["title"] == clean_text(article.title or "")
        assert row["authors"] == [clean_text(a) for a in article.authors]
        assert row["tags"] == [clean_text(t) for t in article.tags]
        assert row["provenance"] == {
            clean_text(k): clean_text(v) for k, v in article.provenance.items()
        }
        assert row["source"] == clean_text(item.source or "")
        assert "\U0001f600" in row["title"] and "\ufffd" in row["title"]
    assert max(len(row["body"].encode()) for row in articles.values()) > BIG
    assert max(len(row["url"]) for row in articles.values()) > 5_000 - 20
    for table in rows["sqlite"].values():
        for row in table.values():
            for text in strings(row):
                assert not _FORBIDDEN.search(text), text[:80]
                text.encode("utf-8")  # strict: no surrogate left
            json.dumps(row, ensure_ascii=False).encode("utf-8")
