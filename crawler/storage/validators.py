"""HTTP validators (ETag, Last-Modified) kept per URL for conditional requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crawler.storage.models import HttpValidator, table
from crawler.storage.sanitize import clean_optional, clean_text
from crawler.storage.session import chunks, dialect_insert
from crawler.urls import url_key

VALIDATORS = table(HttpValidator)


@dataclass(frozen=True, slots=True)
class Validators:
    """What the last response of a URL said about its version."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int | None
    fetched_at: datetime


def get_validators(conn: sa.Connection, url: str) -> Validators | None:
    """The validators saved for ``url``, or None."""
    query = sa.select(VALIDATORS).where(VALIDATORS.c.url_key == url_key(clean_text(url)))
    row = conn.execute(query).mappings().first()
    return None if row is None else _validators(row)


def validators_of(conn: sa.Connection, urls: Iterable[str]) -> dict[str, Validators]:
    """The validators saved for each of ``urls`` that has some, in one query per chunk."""
    key_of = {url: url_key(clean_text(url)) for url in set(urls)}
    found: dict[str, Validators] = {}
    for chunk in chunks(sorted(set(key_of.values()))):
        query = sa.select(VALIDATORS).where(VALIDATORS.c.url_key.in_(chunk))
        found.update((row["url_key"], _validators(row)) for row in conn.execute(query).mappings())
    return {url: found[key] for url, key in key_of.items() if key in found}


def _validators(row: sa.RowMapping) -> Validators:
    return Validators(
        row["url"], row["etag"], row["last_modified"], row["status"], row["fetched_at"]
    )


def save_validators(
    conn: sa.Connection,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    status: int | None,
    fetched_at: datetime,
) -> None:
    """Insert or replace the validators of ``url``."""
    url = clean_text(url)
    values = {
        "url_key": url_key(url),
        "url": url,
        "etag": clean_optional(etag),
        "last_modified": clean_optional(last_modified),
        "status": status,
        "fetched_at": fetched_at,
    }
    stmt = dialect_insert(conn, VALIDATORS).values(**values)
    updated = {
        k: stmt.excluded[k] for k in ("url", "etag", "last_modified", "status", "fetched_at")
    }
    conn.execute(stmt.on_conflict_do_update(index_elements=["url_key"], set_=updated))
