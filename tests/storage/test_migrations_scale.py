"""Migrations on a filled database: upgrade, downgrade and upgrade again keep every row.

A database at the first revision is filled by bulk inserts (every table, articles with
their URL variants, LSH bands, revisions, runs, leases, validators, frontier rows), then
upgraded to head, downgraded to the first revision and upgraded again; after each step the
row counts and per-row checksums of the raw stored values equal the first ones. Columns a
later revision adds (the frontier's scope, pass and request) are left out of the frontier's
checksum: they have no place in the first revision and are reset by the downgrade, as its
docstring says. The 2,000-article runs are in ``make test``; the 100,000-article ones are
``slow``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.storage.engine import make_engine
from crawler.storage.migrate import current_revision, downgrade, head_revision, upgrade
from crawler.storage.session import chunks

FIRST = "0001"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: Each table's key, for ordering and for naming rows in a checksum.
KEYS = {
    "articles": ("id",),
    "article_urls": ("url_key",),
    "article_revisions": ("id",),
    "article_lsh_bands": ("band_key", "article_id"),
    "crawl_runs": ("id",),
    "source_leases": ("source",),
    "http_validators": ("url_key",),
    "frontier": ("url_key",),
}
#: Columns later revisions add to the frontier, which a downgrade to ``FIRST`` drops.
FRONTIER_LATER = {"scope", "epoch", "request"}


def _when(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


def fill_rows(articles: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows of every table for ``articles`` articles, table by table (parents first)."""
    yield "crawl_runs", [
        {"id": r + 1, "spider": "site", "source": f"src{r}", "sources": [f"src{r}"],
         "started_at": _when(r), "finished_at": _when(r + 1), "status": "completed",
         "stats": {"pages": r, "bytes": r * 1000}, "stored": r, "updated": 0, "duplicate": 0,
         "dropped": 0, "failed": 0, "host": "h", "pid": 100 + r}
        for r in range(5)
    ]  # fmt: skip
    yield (
        "source_leases",
        [
            {
                "source": f"src{r}",
                "holder": f"h:{r}",
                "acquired_at": _when(r),
                "expires_at": _when(9),
            }
            for r in range(5)
        ],
    )
    for start in range(0, articles, 10_000):
        ids = range(start + 1, min(articles, start + 10_000) + 1)
        yield "articles", [_article(i) for i in ids]
        yield (
            "article_urls",
            [
                {"url_key": _url(i), "url": _url(i), "article_id": i, "first_seen": _when(i)}
                for i in ids
            ],
        )
        yield (
            "article_lsh_bands",
            [
                {"band_key": (i * 2_654_435_761 + b) % 2**62, "article_id": i}
                for i in ids
                for b in (0, 1)
            ],
        )
        yield "article_revisions", [
            {"id": i, "article_id": i, "title": f"old {i}", "body": f"old body {i}",
             "content_hash": f"{i:064x}", "modified_at": None, "fetched_at": _when(i),
             "replaced_at": _when(i + 1)}
            for i in ids if i % 10 == 0
        ]  # fmt: skip
        yield "http_validators", [
            {"url_key": _url(i), "url": _url(i), "etag": f'"e{i}"', "last_modified": None,
             "status": 200, "fetched_at": _when(i)}
            for i in ids if i % 10 == 1
        ]  # fmt: skip
        yield "frontier", [
            {"url_key": _url(i), "url": _url(i), "source": "src1", "kind": "article",
             "state": ("done", "pending", "failed", "in_progress")[i % 4],
             "lease_expires_at": _when(i) if i % 4 == 3 else None, "attempts": i % 3,
             "last_error": "HTTP 503" if i % 4 == 2 else None, "run_id": 1 + i % 5,
             "updated_at": _when(i)}
            for i in ids
        ]  # fmt: skip


def _url(i: int) -> str:
    return f"https://news{i % 50}.example.com/2024/{i}/story-{i}.html"


def _article(i: int) -> dict[str, Any]:
    body = f"Paragraph {i} " + "word " * 80 + f"\n\nEnd of article {i} \U0001f600."
    return {
        "id": i, "url_key": _url(i), "canonical_url": _url(i), "url": _url(i) + "?ref=feed",
        "domain": f"news{i % 50}.example.com", "site_name": f"News {i % 50}",
        "title": f"Headline {i}", "byline": "By Kim", "authors": ["Kim", f"Lee {i % 7}"],
        "published_at": _when(i), "published_offset_minutes": 60, "published_tz": "stated",
        "published_raw": "1 May 2024", "modified_at": None, "modified_offset_minutes": None,
        "modified_raw": None, "language": "en", "description": f"About {i}", "body": body,
        "tags": ["city", f"t{i % 9}"], "image_url": None, "word_count": 84,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
        "minhash": hashlib.sha256(str(i).encode()).digest() * 16,
        "duplicate_of": i - 1 if i % 20 == 0 else None, "source": f"src{i % 5}",
        "first_seen": _when(i), "last_seen": _when(i + 5), "fetched_at": _when(i),
        "extractor_version": "x-1", "provenance": {"title": "json-ld"}, "flags": [],
    }  # fmt: skip


def fill(engine: sa.Engine, articles: int) -> None:
    """Bulk-insert ``fill_rows`` into the tables as they are now (reflected)."""
    metadata = sa.MetaData()
    metadata.reflect(engine, only=list(KEYS))
    with engine.begin() as conn:
        for table, rows in fill_rows(articles):
            for chunk in chunks(rows, 5_000):
                conn.execute(metadata.tables[table].insert(), chunk)


def checksums(engine: sa.Engine) -> dict[str, dict[str, str]]:
    """Per table, a SHA-256 of each row's raw stored values, by the row's key."""
    inspector = sa.inspect(engine)
    result = {}
    with engine.connect() as conn:
        for table, key in KEYS.items():
            columns = sorted(
                c["name"] for c in inspector.get_columns(table) if c["name"] not in FRONTIER_LATER
            )
            rows = conn.execute(
                sa.text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(key)}")
            ).mappings()
            result[table] = {
                "|".join(str(row[k]) for k in key): hashlib.sha256(
                    json.dumps([_raw(row[c]) for c in columns], sort_keys=True).encode()
                ).hexdigest()
                for row in rows
            }
    return result


def _raw(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def round_trip(db_url: str, articles: int) -> dict[str, float]:
    """Fill at ``FIRST``, then upgrade, downgrade, upgrade; assert every step kept every row.

    Returns seconds per step.
    """
    engine = make_engine(db_url)
    seconds = {}
    try:
        upgrade(engine, FIRST)
        started = time.perf_counter()
        fill(engine, articles)
        seconds["fill"] = time.perf_counter() - started
        before = checksums(engine)
        assert len(before["articles"]) == articles
        assert len(before["article_lsh_bands"]) == 2 * articles
        for step, (migrate, revision) in enumerate(
            ((upgrade, "head"), (downgrade, FIRST), (upgrade, "head"))
        ):
            started = time.perf_counter()
            migrate(engine, revision)
            seconds[f"{step + 1}:{migrate.__name__}"] = time.perf_counter() - started
            expected = head_revision() if revision == "head" else FIRST
            assert current_revision(engine) == expected
            after = checksums(engine)
            assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
            assert after == before, f"rows changed by step {step + 1} ({migrate.__name__})"
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.scalar(sa.text("PRAGMA integrity_check")) == "ok"
                assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            frontier = conn.execute(sa.text("SELECT DISTINCT scope, epoch FROM frontier")).all()
            assert frontier == [("", 0)]
    finally:
        engine.dispose()
    print(f"{articles} articles, seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
    return seconds


def test_upgrade_downgrade_upgrade_keeps_2k_articles(db_url: str) -> None:
    round_trip(db_url, 2_000)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_upgrade_downgrade_upgrade_keeps_100k_articles(db_url: str) -> None:
    round_trip(db_url, 100_000)


def test_a_downgrade_keeps_one_frontier_row_per_url_the_first_scopes(db_url: str) -> None:
    engine = make_engine(db_url)
    rows = [("b:site", "u1", "done"), ("a:site", "u1", "failed"), ("b:site", "u2", "pending")]
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO frontier (scope, url_key, url, kind, state, epoch, attempts, "
                    "updated_at) VALUES (:scope, :key, :url, 'article', :state, 3, 1, :when)"
                ),
                [{"scope": s, "key": k, "url": k, "state": st, "when": T0} for s, k, st in rows],
            )
        downgrade(engine, "0002")
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT url_key, state FROM frontier ORDER BY url_key"))
            assert kept.all() == [("u1", "failed"), ("u2", "pending")]
    finally:
        engine.dispose()
