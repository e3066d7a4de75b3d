"""Fixtures of the fault tests: a generated news site served with a request log, a seeded RNG."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from crawler.siteserver import SiteServer
from tests.faults.newsite import SITE, build_site


@pytest.fixture
def rng() -> random.Random:
    """A seeded RNG; the seed is printed (shown when the test fails) and can be replayed with
    ``CRAWLER_FAULT_SEED``."""
    seed = int(os.environ.get("CRAWLER_FAULT_SEED") or random.SystemRandom().randrange(2**32))
    print(f"fault seed: CRAWLER_FAULT_SEED={seed}")
    return random.Random(seed)


def serve_site(root: os.PathLike[str], articles: int) -> SiteServer:
    """A started server of a generated site with ``articles`` articles under ``root``."""
    return SiteServer(build_site(root, articles)).start()  # type: ignore[arg-type]


@pytest.fixture
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """A generated site of 200 articles."""
    server = serve_site(tmp_path_factory.mktemp("site"), 200)
    yield server
    server.stop()


def base_url(server: SiteServer) -> str:
    return server.base_url(SITE)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url
