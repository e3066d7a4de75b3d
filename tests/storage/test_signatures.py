"""Signatures made where a page was extracted are stored as made, and only for their own body."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from crawler.items import ArticleItem
from crawler.lsh import content_hash
from crawler.minhash import minhash_signature, sign_body
from crawler.storage import Database
from crawler.storage.models import ArticleRow, LshBand, table
from crawler.storage.neardup import band_keys
from tests.storage.builders import body_text, make_item

ARTICLES, BANDS = table(ArticleRow), table(LshBand)


def signed(item: ArticleItem, body: str, minhash: bytes | None = None) -> ArticleItem:
    """``item`` carrying the signature of ``body`` (or ``minhash`` in its place)."""
    signature = sign_body(body)
    if minhash is not None:
        signature = dataclasses.replace(signature, minhash=minhash)
    return dataclasses.replace(item, article=dataclasses.replace(item.article, signature=signature))


def stored(database: Database, url: str) -> tuple[bytes, set[int]]:
    """The stored signature of the article at ``url`` and its LSH band keys."""
    with database.read() as conn:
        row = conn.execute(
            sa.select(ARTICLES.c.id, ARTICLES.c.minhash).where(ARTICLES.c.canonical_url == url)
        ).one()
        keys = conn.execute(sa.select(BANDS.c.band_key).where(BANDS.c.article_id == row.id))
        return bytes(row.minhash), set(keys.scalars())


def test_a_carried_signature_is_the_one_made_from_the_body(database: Database) -> None:
    body = body_text(1)
    database.store_batch([signed(make_item("https://a.example/1", body), body)])
    direct = minhash_signature(body).tobytes()
    assert stored(database, "https://a.example/1") == (direct, set(band_keys(direct)))


def test_storage_uses_the_carried_signature_of_the_same_body(database: Database) -> None:
    body, other = body_text(2), body_text(3)
    carried = minhash_signature(other).tobytes()  # not this body's: shows which one is used
    database.store_batch([signed(make_item("https://a.example/2", body), body, carried)])
    assert stored(database, "https://a.example/2") == (carried, set(band_keys(carried)))


def test_storage_stores_the_carried_hash_of_the_same_body_only(database: Database) -> None:
    body, before = body_text(7), body_text(8)
    item = make_item("https://a.example/7", body)
    carried = dataclasses.replace(sign_body(body), content_hash="c" * 64)  # shows which is used
    stale = dataclasses.replace(sign_body(before), content_hash="d" * 64)
    other = make_item("https://a.example/8", body_text(9))
    database.store_batch(
        [
            dataclasses.replace(item, article=dataclasses.replace(item.article, signature=carried)),
            dataclasses.replace(other, article=dataclasses.replace(other.article, signature=stale)),
        ]
    )
    with database.read() as conn:
        rows = conn.execute(sa.select(ARTICLES.c.canonical_url, ARTICLES.c.content_hash))
        hashes = {url: hashed for url, hashed in rows}
    assert hashes == {
        "https://a.example/7": "c" * 64,
        "https://a.example/8": content_hash(body_text(9)),
    }


def test_a_signature_of_another_body_is_made_again(database: Database) -> None:
    body, before = body_text(4), body_text(5)  # e.g. a pipeline changed the body since
    database.store_batch([signed(make_item("https://a.example/4", body), before)])
    unsigned = make_item("https://a.example/5", body_text(6))
    database.store_batch([unsigned])
    direct = minhash_signature(body).tobytes()
    assert stored(database, "https://a.example/4") == (direct, set(band_keys(direct)))
    assert stored(database, "https://a.example/5")[0] == minhash_signature(body_text(6)).tobytes()
