"""Fixtures of the distributed-crawl tests: a Redis client, a unique key namespace per test
(its keys deleted afterwards), and the bundled news sites served on 127.0.0.1 (answers can be
held back: `tests.distributed.gate`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.distributed.gate import GatedSiteServer

SITES_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "sites"


@pytest.fixture
def redis_client(redis_server_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_server_url)
    yield client
    client.close()


@pytest.fixture
def namespace(redis_client: Redis) -> Iterator[str]:
    """A key namespace of this test's own; every key under it is deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(redis_client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(scope="module")
def sites() -> Iterator[GatedSiteServer]:
    """The bundled sites, served read-only for the whole module (with nothing held back)."""
    with GatedSiteServer(SITES_ROOT) as server:
        yield server


@pytest.fixture(scope="session")
def defense() -> dict[str, Any]:
    """The ``defense`` site's ``expected.json``."""
    data: dict[str, Any] = json.loads((SITES_ROOT / "defense" / "expected.json").read_text())
    return data
