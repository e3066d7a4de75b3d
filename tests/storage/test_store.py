"""Storing batches: idempotent upserts, URL variants, exact and near duplicates, revisions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from crawler.storage import BatchResult, Database, open_database
from crawler.storage.models import ArticleRevision, ArticleRow, ArticleUrl, LshBand, table
from crawler.storage.neardup import DEFAULT_LSH
from crawler.storage.session import index_lookups_only
from tests.storage.builders import FakeClock, body_text, make_item

ARTICLES = table(ArticleRow)


def rows(database: Database, model: Any, *where: Any) -> list[Any]:
    with database.read() as conn:
        return list(conn.execute(sa.select(table(model)).where(*where)).mappings())


def article(database: Database, canonical: str) -> Any:
    (row,) = rows(database, ArticleRow, ARTICLES.c.canonical_url == canonical)
    return row


def test_new_articles_are_stored_with_their_fields(database: Database) -> None:
    published = datetime(2024, 5, 1, 8, 15, tzinfo=timezone(timedelta(hours=-4)))
    item = make_item(
        "https://news.example.com/a",
        body_text(1),
        requested_url="https://news.example.com/a?utm_source=feed",
        published_at=published,
        tags=("Politics",),
    )
    assert database.store_batch([item]) == BatchResult(stored=1)
    row = article(database, "https://news.example.com/a")
    assert row["published_at"] == published
    assert row["published_offset_minutes"] == -240
    assert row["domain"] == "example.com"
    assert row["authors"] == ["Jane Doe"] and row["tags"] == ["Politics"]
    assert row["body"] == item.article.body and row["duplicate_of"] is None
    bands = rows(database, LshBand, table(LshBand).c.article_id == row["id"])
    assert len(bands) == DEFAULT_LSH.bands


def test_reinserting_the_same_item_changes_nothing_but_last_seen(
    database: Database, clock: FakeClock
) -> None:
    item = make_item("https://news.example.com/a", body_text(1))
    database.store_batch([item])
    first = article(database, "https://news.example.com/a")
    clock.advance(hours=3)
    assert database.store_batch([item]) == BatchResult(unchanged=1)
    again = article(database, "https://news.example.com/a")
    assert again["last_seen"] == first["last_seen"] + timedelta(hours=3)
    assert {k: v for k, v in again.items() if k != "last_seen"} == {
        k: v for k, v in first.items() if k != "last_seen"
    }
    assert rows(database, ArticleRevision) == []
    assert len(rows(database, ArticleRow)) == 1


def test_every_url_variant_is_recorded_and_found_again(database: Database) -> None:
    item = make_item(
        "https://news.example.com/story/1?ref=home",
        body_text(1),
        requested_url="http://news.example.com/s/1?utm_campaign=x&fbclid=abc",
        canonical_url="https://news.example.com/story/1",
    )
    database.store_batch([item])
    variants = {r["url"] for r in rows(database, ArticleUrl)}
    assert {
        "https://news.example.com/story/1",
        "https://news.example.com/story/1?ref=home",
        "http://news.example.com/s/1?utm_campaign=x&fbclid=abc",
        "http://news.example.com/s/1",
    } <= variants
    asked = [
        "https://news.example.com/story/1#comments",
        "http://news.example.com/s/1?fbclid=other",
        "https://news.example.com/story/2",
    ]
    assert database.stored_urls(asked) == set(asked[:2])


def test_same_body_at_another_url_of_the_same_site_becomes_a_variant(database: Database) -> None:
    body = body_text(2)
    database.store_batch([make_item("https://www.example.com/news/2", body)])
    result = database.store_batch([make_item("https://example.com/print/2", body)])
    assert result == BatchResult(merged=1)
    (only,) = rows(database, ArticleRow)
    variant = rows(database, ArticleUrl, table(ArticleUrl).c.url == "https://example.com/print/2")
    assert variant[0]["article_id"] == only["id"]
    assert database.stored_urls(["https://example.com/print/2"]) == {"https://example.com/print/2"}


def test_same_body_on_another_site_is_stored_as_a_duplicate(database: Database) -> None:
    body = body_text(3)
    database.store_batch([make_item("https://wire.example.com/3", body)])
    assert database.store_batch([make_item("https://paper.example.org/3", body)]) == BatchResult(
        duplicate=1
    )
    original = article(database, "https://wire.example.com/3")
    copy = article(database, "https://paper.example.org/3")
    assert copy["duplicate_of"] == original["id"]


def test_syndicated_copy_with_edits_points_at_the_first_article(database: Database) -> None:
    body = body_text(4)
    paragraphs = body.split("\n\n")
    syndicated = "\n\n".join(
        ["By The Wire Service", *paragraphs[:-1], paragraphs[-1].replace("0", "9", 1)]
    )
    later = "\n\n".join([*paragraphs, "This story first appeared in The Wire."])
    database.store_batch([make_item("https://wire.example.com/4", body)])
    result = database.store_batch(
        [
            make_item("https://a.example.org/4", syndicated),
            make_item("https://b.example.net/4", later),
            make_item("https://c.example.net/unrelated", body_text(5)),
        ]
    )
    assert result == BatchResult(stored=1, duplicate=2)
    original = article(database, "https://wire.example.com/4")["id"]
    assert article(database, "https://a.example.org/4")["duplicate_of"] == original
    assert article(database, "https://b.example.net/4")["duplicate_of"] == original
    assert article(database, "https://c.example.net/unrelated")["duplicate_of"] is None


def test_a_changed_body_updates_the_article_and_keeps_a_revision(
    database: Database, clock: FakeClock
) -> None:
    first = make_item("https://news.example.com/5", body_text(6), title="First title")
    database.store_batch([first])
    before = article(database, "https://news.example.com/5")
    clock.advance(days=1)
    changed_body = body_text(6) + "\n\nUpdate: the council replied on Thursday."
    changed = make_item("https://news.example.com/5", changed_body, title="Second title")
    assert database.store_batch([changed]) == BatchResult(updated=1)
    after = article(database, "https://news.example.com/5")
    assert (after["id"], after["body"], after["title"]) == (
        before["id"],
        changed_body,
        "Second title",
    )
    assert after["first_seen"] == before["first_seen"] and after["last_seen"] == clock()
    (revision,) = rows(database, ArticleRevision)
    assert (revision["body"], revision["title"]) == (first.article.body, "First title")
    assert revision["content_hash"] == before["content_hash"] and revision["replaced_at"] == clock()
    bands = rows(database, LshBand, table(LshBand).c.article_id == after["id"])
    assert len(bands) == DEFAULT_LSH.bands


def test_a_metadata_change_updates_without_a_revision(database: Database) -> None:
    database.store_batch([make_item("https://news.example.com/6", body_text(7))])
    fixed = make_item("https://news.example.com/6", body_text(7), authors=("Jane Doe", "Max Roe"))
    assert database.store_batch([fixed]) == BatchResult(updated=1)
    assert article(database, "https://news.example.com/6")["authors"] == ["Jane Doe", "Max Roe"]
    assert rows(database, ArticleRevision) == []


def test_repeats_inside_one_batch_are_decided_like_separate_batches(database: Database) -> None:
    body = body_text(8)
    batch = [
        make_item("https://news.example.com/7", body),
        make_item(
            "https://news.example.com/7", body, requested_url="https://news.example.com/?p=7"
        ),
        make_item("https://news.example.com/7-amp", body),
        make_item("https://other.example.org/7", body),
    ]
    assert database.store_batch(batch) == BatchResult(stored=1, unchanged=1, merged=1, duplicate=1)
    assert len(rows(database, ArticleRow)) == 2
    assert database.stored_urls(["https://news.example.com/?p=7"]) == {
        "https://news.example.com/?p=7"
    }


def test_very_long_urls_are_stored_and_found(database: Database) -> None:
    url = "https://news.example.com/search?" + "&".join(f"q{i}=ü{i}" for i in range(400))
    database.store_batch([make_item(url, body_text(9))])
    assert database.stored_urls([url]) == {url}
    (row,) = rows(database, ArticleRow)
    assert len(row["canonical_url"]) > 2000 and row["url_key"].startswith("sha1:")


def test_poison_text_is_cleaned_the_same_way_on_every_backend(database: Database) -> None:
    body = body_text(10) + "\x00 nul \udc80 lone \x07 bell \U0001f600 emoji \t tab"
    item = make_item(
        "https://news.example.com/poison\x00",
        body,
        title="Title\x00 with \ud800 surrogate",
        authors=("Jane\x1b Doe",),
        provenance={"title\x00": "meta"},
    )
    assert database.store_batch([item]) == BatchResult(stored=1)
    (row,) = rows(database, ArticleRow)
    assert row["title"] == "Title with \ufffd surrogate"
    assert row["body"].endswith(" nul \ufffd lone  bell \U0001f600 emoji \t tab")
    assert row["authors"] == ["Jane Doe"] and row["provenance"] == {"title": "meta"}
    assert row["canonical_url"] == "https://news.example.com/poison"


def test_big_bodies_are_stored_whole(database: Database) -> None:
    body = "\n\n".join(body_text(i, paragraphs=1) for i in range(5_000))
    assert len(body) > 1_000_000
    database.store_batch([make_item("https://news.example.com/big", body)])
    assert article(database, "https://news.example.com/big")["body"] == body


def test_postgres_lookups_stay_on_their_indexes_before_statistics_exist(
    postgres_url: str,
) -> None:
    database = open_database(postgres_url)
    bands = table(LshBand)
    try:
        database.store_batch([make_item("https://news.example.com/1", body_text(1))])
        with database.write() as conn:
            conn.execute(bands.insert(), [{"band_key": k, "article_id": 1} for k in range(50_000)])
        keys = ", ".join(str(k) for k in range(0, 3200, 2))
        query = sa.text(f"EXPLAIN SELECT * FROM article_lsh_bands WHERE band_key IN ({keys})")
        with database.read() as conn:
            unguarded = "\n".join(conn.execute(query).scalars())
        with database.read() as conn:
            index_lookups_only(conn)
            guarded = "\n".join(conn.execute(query).scalars())
    finally:
        database.close()
    assert "Seq Scan" in unguarded  # what stale statistics lead to without the guard
    assert "Seq Scan" not in guarded and "pk_article_lsh_bands" in guarded
