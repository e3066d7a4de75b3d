"""The frontier in storage: passes opened and resumed, idempotent writes, done with the row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from crawler.storage import BatchWriter, StorageDown, open_database
from crawler.storage.frontier import (
    DONE,
    FrontierBatch,
    FrontierChanges,
    Pass,
    close_pass,
    frontier_key,
    frontier_states,
    open_pass,
)
from tests.storage.builders import body_text, make_item

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
SCOPE = "example:site"
URLS = [f"https://example.com/news/2024/05/01/story-{i}.html" for i in range(4)]


def changes(
    pending: list[str] = (), started: list[str] = (), done: list[str] = ()
) -> FrontierChanges:  # type: ignore[assignment]
    buffer = FrontierChanges()
    for url in pending:
        buffer.add(frontier_key(url), url, "article", {"callback": "parse_page"})
    for url in started:
        buffer.start(frontier_key(url))
    for url in done:
        buffer.finish(frontier_key(url), url, "article", DONE)
    return buffer


def test_a_pass_left_open_is_resumed_with_its_pending_and_in_progress_urls(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.write() as conn:
            first = open_pass(conn, SCOPE, "example", None, NOW)
            assert (first.current.epoch, first.current.resumed, first.requeue) == (1, False, [])
            batch = FrontierBatch(first.current, changes(URLS, started=URLS[:2], done=URLS[:1]))
            batch.write(conn, NOW)
            batch.write(conn, NOW)  # replayed: changes nothing
            assert frontier_states(conn, SCOPE) == {"done": 1, "in_progress": 1, "pending": 2}
        with database.write() as conn:  # the crawl was killed: the pass is still open
            again = open_pass(conn, SCOPE, "example", None, NOW)
        assert again.current.resumed and again.current.epoch == 1
        assert sorted(r.url for r in again.requeue) == URLS[1:]
        assert again.requeue[0].request == {"callback": "parse_page"}
        assert again.finished == {frontier_key(URLS[0])}
        with database.write() as conn:
            FrontierBatch(again.current, changes(done=URLS[1:])).write(conn, NOW)
            close_pass(conn, again.current, NOW)
            fresh = open_pass(conn, SCOPE, "example", None, NOW)
            assert not fresh.current.resumed and fresh.current.epoch == 2
            assert fresh.requeue == [] and fresh.finished == set()
            # A URL found again by the new pass is pending again; within the pass, only once.
            FrontierBatch(fresh.current, changes(URLS[:1])).write(conn, NOW)
            FrontierBatch(fresh.current, changes(started=URLS[:1])).write(conn, NOW)
            FrontierBatch(fresh.current, changes(URLS[:1])).write(conn, NOW)
            assert frontier_states(conn, SCOPE) == {"done": 3, "in_progress": 1}
    finally:
        database.close()


def test_articles_are_done_in_the_transaction_that_stores_them(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.write() as conn:
            current = open_pass(conn, SCOPE, None, None, NOW).current
        items = [make_item(url, body_text(i)) for i, url in enumerate(URLS[:2])]
        batch = FrontierBatch(current, changes(URLS, started=URLS))
        assert database.store_batch(items, batch).stored == 2
        with database.read() as conn:
            states = dict(conn.execute(sa.text("SELECT url, state FROM frontier")).all())
        assert states == dict(
            zip(URLS, ["done", "done", "in_progress", "in_progress"], strict=True)
        )
    finally:
        database.close()


def test_a_batch_that_cannot_be_stored_leaves_its_urls_undone(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(db_url)
    try:
        with database.write() as conn:
            current = open_pass(conn, SCOPE, None, None, NOW).current
            FrontierBatch(current, changes(URLS, started=URLS)).write(conn, NOW)

        def disconnected(*args: object) -> None:
            raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

        monkeypatch.setattr("crawler.storage.database.store_incoming", disconnected)
        writer = BatchWriter(database, attempts=2, backoff=0, sleep=lambda _: None)
        items = [make_item(URLS[0], body_text(0))]
        with pytest.raises(StorageDown):
            writer.write(items, FrontierBatch(current, changes(done=URLS[3:])))
        with database.read() as conn:
            assert frontier_states(conn, SCOPE) == {"in_progress": 4}
            assert conn.scalar(sa.text("SELECT count(*) FROM articles")) == 0
    finally:
        database.close()


def test_poison_urls_and_errors_are_stored_as_sanitised_text(db_url: str) -> None:
    long_url = "https://example.com/" + "a" * 5000 + "\U0001f600"
    odd = "https://example.com/x\x00y\ud800z"
    database = open_database(db_url)
    try:
        with database.write() as conn:
            current: Pass = open_pass(conn, SCOPE, None, None, NOW).current
            buffer = changes([long_url])
            buffer.finish(frontier_key(odd), odd, "article", "failed", "bad \x00 error \x07")
            FrontierBatch(current, buffer).write(conn, NOW)
            rows = dict(conn.execute(sa.text("SELECT url, last_error FROM frontier")).all())
        assert rows == {long_url: None, "https://example.com/xy\ufffdz": "bad  error "}
    finally:
        database.close()
