"""The durable crawl frontier: per crawl scope, which URLs are pending, in progress, done or failed.

A scope is one crawl command. Its rows live in ``frontier`` keyed by (scope, URL key of the
canonical URL); its current pass over them in ``frontier_scopes``. Every write here is
idempotent, so a batch replayed after a crash or a retry changes nothing more:

* ``pending`` inserts a row, or recycles one left by an earlier pass; a row of the current
  pass is left as it is (a URL found again is not queued again);
* ``in_progress`` applies only to a pending row, with a lease until which it is being fetched;
* ``done`` / ``failed`` overwrite whatever is there (inserting the row if it is missing).

`FrontierChanges` buffers these between transactions; `FrontierBatch.write` applies them in
that order (pending, in progress, finished) inside the caller's transaction, so a page's
completion never commits before the links it yielded, and the articles a transaction
stores are marked done by the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from crawler.storage.models import FrontierEntry, FrontierScope, table
from crawler.storage.sanitize import clean_json, clean_optional, clean_text
from crawler.storage.session import chunks, dialect_insert
from crawler.urls import canonicalize_url, url_key

FRONTIER = table(FrontierEntry)
SCOPES = table(FrontierScope)
PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"
#: Longest ``last_error`` kept.
ERROR_CHARS = 500


def frontier_key(url: str) -> str:
    """The frontier key of ``url``: the database key of its sanitised canonical form."""
    return url_key(canonicalize_url(clean_text(url)))


@dataclass(frozen=True, slots=True)
class Pass:
    """A scope's current pass: ``epoch`` numbers it; ``resumed`` when an earlier crawl began it."""

    scope: str
    source: str | None
    epoch: int
    resumed: bool
    run_id: int | None = None


@dataclass(frozen=True, slots=True)
class Requeued:
    """A URL a crawl must fetch again: still pending or in progress when its last crawl ended."""

    url: str
    kind: str
    request: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Opening:
    """What a crawl finds when it opens its scope: its pass, what to queue again, and (in a
    resumed pass) the keys already finished, which must not be fetched again."""

    current: Pass
    requeue: list[Requeued]
    finished: set[str]


@dataclass(slots=True)
class FrontierChanges:
    """Frontier writes buffered between transactions, keyed by frontier key."""

    pending: dict[str, tuple[str, str, dict[str, Any] | None]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    finished: dict[str, tuple[str, str, str, str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pending) + len(self.started) + len(self.finished)

    def add(self, key: str, url: str, kind: str, request: dict[str, Any] | None) -> None:
        """Record ``url`` as pending (a no-op for a URL the current pass already has)."""
        self.pending[key] = (clean_text(url), kind, clean_json(request))

    def start(self, key: str) -> None:
        """Record that the pending ``key`` is being fetched."""
        self.started.add(key)

    def finish(self, key: str, url: str, kind: str, state: str, error: str | None = None) -> None:
        """Record ``url`` as ``done`` or ``failed`` (with why)."""
        reason = clean_optional(error[:ERROR_CHARS] if error else None)
        self.finished[key] = (clean_text(url), kind, state, reason)

    def take(self) -> FrontierChanges:
        """Everything buffered, leaving this buffer empty."""
        taken = FrontierChanges(self.pending, self.started, self.finished)
        self.pending, self.started, self.finished = {}, set(), {}
        return taken

    def restore(self, earlier: FrontierChanges) -> None:
        """Put back changes whose transaction failed, before those buffered since."""
        self.pending = {**earlier.pending, **self.pending}
        self.started = earlier.started | self.started
        self.finished = {**earlier.finished, **self.finished}


@dataclass(frozen=True, slots=True)
class FrontierBatch:
    """What one transaction writes to a scope's frontier: buffered changes, and the articles
    the same transaction stores (by requested URL), which it marks done."""

    current: Pass
    changes: FrontierChanges
    lease: timedelta = timedelta(minutes=10)

    def without_changes(self) -> FrontierBatch:
        """This batch for articles only (its changes written elsewhere)."""
        return FrontierBatch(self.current, FrontierChanges(), self.lease)

    def write(self, conn: sa.Connection, now: datetime, stored: Sequence[str] = ()) -> None:
        """Apply the changes, then mark ``stored`` done, on ``conn`` (the caller's transaction)."""
        changes = self.changes
        if stored:
            changes = FrontierChanges(changes.pending, changes.started, dict(changes.finished))
            for url in stored:
                changes.finish(frontier_key(url), url, "article", DONE)
        if changes.pending:
            _add_pending(conn, self.current, changes.pending, now)
        if changes.started:
            _mark_started(conn, self.current, changes.started, now, now + self.lease)
        if changes.finished:
            _mark_finished(conn, self.current, changes.finished, now)


def open_pass(
    conn: sa.Connection,
    scope: str,
    source: str | None,
    run_id: int | None,
    now: datetime,
    max_attempts: int = 3,
) -> Opening:
    """Open ``scope`` for a crawl (in the caller's write transaction, holding the scope's lock).

    An open pass is resumed: its pending and in-progress rows (their holder is gone: the
    caller holds the lock), and its failed rows tried fewer than ``max_attempts`` times, are
    queued again. Otherwise a new pass begins, taking over rows an earlier one left pending.
    """
    row = conn.execute(sa.select(SCOPES).where(SCOPES.c.scope == scope)).mappings().first()
    resumed = bool(row and row["open"])
    epoch = int(row["epoch"]) if row and resumed else (int(row["epoch"]) + 1 if row else 1)
    values = {"epoch": epoch, "open": True, "run_id": run_id, "updated_at": now}
    if row is None:
        conn.execute(SCOPES.insert().values(scope=scope, **values))
    else:
        conn.execute(SCOPES.update().where(SCOPES.c.scope == scope).values(**values))
    again: sa.ColumnElement[bool] = FRONTIER.c.state.in_((PENDING, IN_PROGRESS))
    if resumed:
        again = again | (
            (FRONTIER.c.state == FAILED)
            & (FRONTIER.c.epoch == epoch)
            & (FRONTIER.c.attempts < max_attempts)
        )
    conn.execute(
        sa.update(FRONTIER)
        .where(FRONTIER.c.scope == scope, again)
        .values(state=PENDING, epoch=epoch, lease_expires_at=None, updated_at=now)
    )
    query = sa.select(FRONTIER.c.url, FRONTIER.c.kind, FRONTIER.c.request).where(
        FRONTIER.c.scope == scope, FRONTIER.c.state == PENDING
    )
    requeue = [Requeued(*row) for row in conn.execute(query.order_by(FRONTIER.c.updated_at))]
    finished: set[str] = set()
    if resumed:
        done = sa.select(FRONTIER.c.url_key).where(
            FRONTIER.c.scope == scope,
            FRONTIER.c.epoch == epoch,
            FRONTIER.c.state.in_((DONE, FAILED)),
        )
        finished = set(conn.scalars(done))
    return Opening(Pass(scope, source, epoch, resumed, run_id), requeue, finished)


def close_pass(conn: sa.Connection, current: Pass, now: datetime) -> None:
    """End ``current``: the scope's crawl ran to its end, the next one begins a new pass."""
    conn.execute(
        sa.update(SCOPES)
        .where(SCOPES.c.scope == current.scope, SCOPES.c.epoch == current.epoch)
        .values(open=False, updated_at=now)
    )


def frontier_states(conn: sa.Connection, scope: str | None = None) -> dict[str, int]:
    """Rows per state, of one scope or of all."""
    query = sa.select(FRONTIER.c.state, sa.func.count()).group_by(FRONTIER.c.state)
    if scope is not None:
        query = query.where(FRONTIER.c.scope == scope)
    return {state: count for state, count in conn.execute(query)}


def _add_pending(
    conn: sa.Connection,
    current: Pass,
    pending: dict[str, tuple[str, str, dict[str, Any] | None]],
    now: datetime,
) -> None:
    rows = [
        {
            **_row(current, key, url, kind, PENDING, now),
            "attempts": 0,
            "request": request,
        }
        for key, (url, kind, request) in pending.items()
    ]
    conn.execute(_add_pending_statement(conn.dialect.name), rows)


@cache
def _add_pending_statement(dialect: str) -> Any:
    """The upsert of `_add_pending` (built once: ``excluded`` makes a copy of every column)."""
    insert = dialect_insert(dialect, FRONTIER)
    recycled = {
        name: insert.excluded[name]
        for name in ("url", "kind", "state", "epoch", "attempts", "request", "run_id", "updated_at")
    }
    return insert.on_conflict_do_update(
        index_elements=["scope", "url_key"],
        set_={**recycled, "last_error": None, "lease_expires_at": None},
        where=FRONTIER.c.epoch != insert.excluded.epoch,
    )


def _mark_started(
    conn: sa.Connection, current: Pass, keys: Iterable[str], now: datetime, lease: datetime
) -> None:
    for chunk in chunks(sorted(keys)):
        conn.execute(
            sa.update(FRONTIER)
            .where(
                FRONTIER.c.scope == current.scope,
                FRONTIER.c.url_key.in_(chunk),
                FRONTIER.c.state == PENDING,
            )
            .values(
                state=IN_PROGRESS,
                lease_expires_at=lease,
                attempts=FRONTIER.c.attempts + 1,
                run_id=current.run_id,
                updated_at=now,
            )
        )


def _mark_finished(
    conn: sa.Connection,
    current: Pass,
    finished: dict[str, tuple[str, str, str, str | None]],
    now: datetime,
) -> None:
    rows = [
        {**_row(current, key, url, kind, state, now), "last_error": error}
        for key, (url, kind, state, error) in finished.items()
    ]
    conn.execute(_mark_finished_statement(conn.dialect.name), rows)


@cache
def _mark_finished_statement(dialect: str) -> Any:
    """The upsert of `_mark_finished`, built once per dialect."""
    insert = dialect_insert(dialect, FRONTIER)
    return insert.on_conflict_do_update(
        index_elements=["scope", "url_key"],
        set_={
            **{n: insert.excluded[n] for n in ("state", "last_error", "epoch", "run_id")},
            "lease_expires_at": None,
            "updated_at": insert.excluded.updated_at,
        },
    )


def _row(current: Pass, key: str, url: str, kind: str, state: str, now: datetime) -> dict[str, Any]:
    return {
        "scope": current.scope,
        "url_key": key,
        "url": url,
        "source": current.source,
        "kind": kind,
        "state": state,
        "epoch": current.epoch,
        "run_id": current.run_id,
        "updated_at": now,
    }
