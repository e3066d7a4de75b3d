"""Fixtures of the scheduling tests: a controllable clock and migrated databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.siteserver import SiteServer
from crawler.storage.engine import make_engine
from crawler.storage.migrate import upgrade
from tests.scheduling.helpers import SITES, write_sources


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 5, 1, 6, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL schema."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def news_sites(tmp_path: Path) -> Iterator[SiteServer]:
    """Every fixture site, copied into ``tmp_path/sites`` (so a test may change them) and served."""
    root = tmp_path / "sites"
    for site in SITES.iterdir():
        if site.is_dir() and not site.name.startswith(("_", ".")):
            shutil.copytree(site, root / site.name)
    with SiteServer(root) as server:
        yield server


@pytest.fixture
def defense_sources(news_sites: SiteServer, tmp_path: Path) -> Path:
    """A sources file with one source, the served ``defense`` site, due every second."""
    base = news_sites.base_url("defense")
    table = {"name": "defense", "start_urls": [f"{base}/"], "schedule": "1s"}
    return write_sources(tmp_path / "sources.toml", table)
