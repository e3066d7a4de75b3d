"""Shared fixtures: service URLs for PostgreSQL and Redis.

A test that needs a service asks for ``postgres_url`` or ``redis_url``. Without the
environment variable it is skipped with a reason; with it set (as ``.ci/run`` does), an
unreachable service fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL URL from ``CRAWLER_TEST_POSTGRES_URL``; fails if it is unreachable."""
    url = os.environ.get("CRAWLER_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CRAWLER_TEST_POSTGRES_URL is not set")
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at CRAWLER_TEST_POSTGRES_URL is unreachable: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema, dropped after the test."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in postgres_server_url else "?"
    yield f"{postgres_server_url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
    engine.dispose()


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """The Redis URL from ``CRAWLER_TEST_REDIS_URL``; fails if it is unreachable."""
    url = os.environ.get("CRAWLER_TEST_REDIS_URL")
    if not url:
        pytest.skip("CRAWLER_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis at CRAWLER_TEST_REDIS_URL is unreachable: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'news.db'}"
