"""The `crawl_runs` record: starting and finishing a run, and reading recent ones."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crawler.storage.models import RUN_STATUSES, CrawlRun, table
from crawler.storage.sanitize import clean_json

RUNS = table(CrawlRun)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of `crawl_runs`, as callers outside storage see it."""

    id: int
    spider: str
    source: str | None
    sources: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any]
    stored: int
    updated: int
    duplicate: int
    dropped: int
    failed: int
    host: str | None
    pid: int | None


def start_run(
    conn: sa.Connection,
    now: datetime,
    spider: str,
    source: str | None = None,
    sources: Sequence[str] = (),
) -> int:
    """Insert a ``running`` run for this host and process; returns its id."""
    values: dict[str, Any] = {
        "spider": spider,
        "source": source,
        "sources": list(sources) or ([source] if source else []),
        "started_at": now,
        "status": "running",
        "stats": {},
        "host": socket.gethostname()[:255],
        "pid": os.getpid(),
    }
    return int(conn.execute(RUNS.insert().values(**values).returning(RUNS.c.id)).scalar_one())


def finish_run(
    conn: sa.Connection,
    now: datetime,
    run_id: int,
    status: str,
    stats: Mapping[str, Any] | None = None,
    counts: Mapping[str, int] | None = None,
) -> None:
    """Record how a run ended: status, Scrapy stats and the stored/updated/... counts."""
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    values: dict[str, Any] = {"finished_at": now, "status": status, **dict(counts or {})}
    if stats is not None:
        values["stats"] = jsonable(stats)
    conn.execute(RUNS.update().where(RUNS.c.id == run_id).values(**values))


def recent_runs(conn: sa.Connection, limit: int = 20, source: str | None = None) -> list[RunRecord]:
    """The newest runs first, of one source or of all."""
    query = sa.select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(RUNS.c.source == source)
    return [_record(row) for row in conn.execute(query).mappings()]


def last_run(conn: sa.Connection, source: str, statuses: Sequence[str] = ()) -> RunRecord | None:
    """The newest run of ``source`` (with one of ``statuses`` if given)."""
    query = sa.select(RUNS).where(RUNS.c.source == source)
    if statuses:
        query = query.where(RUNS.c.status.in_(list(statuses)))
    row = (
        conn.execute(query.order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(1))
        .mappings()
        .first()
    )
    return None if row is None else _record(row)


def jsonable(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Scrapy stats as JSON: datetimes as ISO strings, anything else unknown as text."""
    encoded = json.dumps(
        dict(stats), default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)
    )
    return clean_json(json.loads(encoded))


def _record(row: sa.RowMapping) -> RunRecord:
    return RunRecord(**{**row, "sources": tuple(row["sources"] or ())})
