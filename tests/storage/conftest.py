"""Fixtures of the storage tests: a database on each backend, a settable clock, article items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from crawler.storage import Database, open_database
from tests.storage.builders import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def database(db_url: str, clock: FakeClock) -> Iterator[Database]:
    """A migrated database on ``db_url`` whose clock is ``clock``."""
    db = open_database(db_url, clock=clock)
    yield db
    db.close()
