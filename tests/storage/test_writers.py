"""Concurrent writers, locked databases and bad items: nothing lost, nothing stored twice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.storage import BatchResult, BatchWriter, StorageDown, open_database
from crawler.storage.database import sqlite_file
from crawler.storage.session import lock_key
from tests.storage.builders import body_text, make_item

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import json, sys
from crawler.storage import BatchWriter, open_database
from tests.storage.builders import body_text, make_item

url, name = sys.argv[1], sys.argv[2]
database = open_database(url, busy_timeout=2)
writer = BatchWriter(database, attempts=20, backoff=0.05)
offset = 1000 if name == "left" else 2000
items = [make_item(f"https://example.com/{name}/{i}", body_text(offset + i)) for i in range(120)]
items += [make_item(f"https://example.com/shared/{i}", body_text(i)) for i in range(40)]
items.sort(key=lambda item: item.article.url[-2:])
totals = {"stored": 0, "unchanged": 0, "merged": 0, "duplicate": 0, "lost": 0}
for start in range(0, len(items), 10):
    outcome = writer.write(items[start : start + 10])
    totals["stored"] += outcome.result.stored
    for key in ("unchanged", "merged", "duplicate"):
        totals[key] += getattr(outcome.result, key)
    totals["lost"] += len(outcome.lost)
database.close()
print(json.dumps(totals))
"""


def count(url: str, table: str) -> int:
    database = open_database(url)
    try:
        with database.read() as conn:
            return int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        database.close()


def test_two_processes_writing_one_database_lose_nothing(db_url: str) -> None:
    open_database(db_url).close()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, name],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for name in ("left", "right")
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    assert sum(o["lost"] for o in outputs) == 0
    assert sum(o["stored"] for o in outputs) == 2 * 120 + 40
    assert sum(o["unchanged"] for o in outputs) == 40
    assert sum(o["merged"] + o["duplicate"] for o in outputs) == 0
    assert count(db_url, "articles") == 2 * 120 + 40


@contextmanager
def database_locked(url: str, seconds: float) -> Iterator[None]:
    """Another connection holds the writers' lock for ``seconds``."""
    path = sqlite_file(url)
    if path is not None:
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.rollback
    else:
        engine = sa.create_engine(url)
        conn = engine.connect()
        conn.execute(sa.select(sa.func.pg_advisory_lock(lock_key("articles"))))
        conn.commit()

        def release() -> None:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(lock_key("articles"))))
            conn.close()
            engine.dispose()

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield
    finally:
        timer.join()
        if path is not None:
            holder.close()


def test_a_batch_that_meets_a_lock_is_retried_until_it_is_stored(db_url: str) -> None:
    open_database(db_url).close()
    database = open_database(db_url, busy_timeout=0.2)
    writer = BatchWriter(database, attempts=10, backoff=0.2)
    items = [make_item(f"https://example.com/{i}", body_text(i)) for i in range(3)]
    try:
        with database_locked(db_url, seconds=1.0):
            outcome = writer.write(items)
        assert outcome.result == BatchResult(stored=3)
        assert outcome.retries >= 1 and outcome.lost == ()
    finally:
        database.close()
    assert count(db_url, "articles") == 3


def test_a_database_locked_for_longer_than_the_retries_raises_and_stores_nothing(
    db_url: str,
) -> None:
    open_database(db_url).close()
    database = open_database(db_url, busy_timeout=0.1)
    writer = BatchWriter(database, attempts=2, backoff=0.05)
    items = [make_item(f"https://example.com/{i}", body_text(i)) for i in range(3)]
    try:
        with database_locked(db_url, seconds=1.5), pytest.raises(StorageDown) as raised:
            writer.write(items)
        assert raised.value.items == tuple(items)
    finally:
        database.close()
    assert count(db_url, "articles") == 0


def test_a_bad_item_is_reported_with_its_url_and_the_rest_are_stored(db_url: str) -> None:
    database = open_database(db_url)
    writer = BatchWriter(database, attempts=2, backoff=0.01)
    items = [make_item(f"https://example.com/{i}", body_text(i)) for i in range(5)]
    items[3] = make_item("https://example.com/bad", body_text(3), published_tz="guessed")
    try:
        outcome = writer.write(items)
    finally:
        database.close()
    assert outcome.result == BatchResult(stored=4)
    assert [lost.url for lost in outcome.lost] == ["https://example.com/bad"]
    assert "published_tz" in outcome.lost[0].error
    assert count(db_url, "articles") == 4
