"""Database faults during a crawl: SQLite locked by another writer until the crawl gives up;
PostgreSQL connections killed again and again (the crawl retries, then a rerun completes)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.siteserver import SiteServer
from tests.faults.conftest import base_url
from tests.faults.helpers import (
    article_requests,
    crawl_args,
    done_without_row,
    frontier_states,
    query,
    start_crawl,
    stored_paths,
    wait_until,
)
from tests.faults.newsite import article_path

#: Give up on a locked database within about a second.
IMPATIENT = (
    *("-s", "CRAWLER_DB_BUSY_TIMEOUT=0.3", "-s", "CRAWLER_DB_RETRIES=2"),
    *("-s", "CRAWLER_DB_RETRY_BACKOFF=0.1"),
)


def test_a_database_locked_by_another_writer_closes_the_crawl_and_a_rerun_completes_it(
    small_site: SiteServer, tmp_path: Path
) -> None:
    path = tmp_path / "news.db"
    db_url = f"sqlite:///{path}"
    args = crawl_args(f"{base_url(small_site)}/", db_url, *IMPATIENT)
    crawl = start_crawl(args, tmp_path / "out")
    wait_until(lambda: article_requests(small_site.request_log()) >= 40, 120, "40 articles")
    locker = sqlite3.connect(path, timeout=30, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        assert crawl.wait(timeout=120) == 1, crawl.text()[-2000:]
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "db_unavailable" in crawl.text()
    stored_before = len(stored_paths(db_url))
    assert stored_before < 200
    assert done_without_row(db_url) == []
    rerun = start_crawl(args, tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    stored = stored_paths(db_url)
    assert len(stored) == len(set(stored)) == 200
    assert frontier_states(db_url).keys() <= {"done", "failed"}
    assert done_without_row(db_url) == []


@pytest.mark.postgres
def test_postgres_connections_killed_50_times_lose_nothing_after_a_rerun(
    small_site: SiteServer, tmp_path: Path, postgres_url: str
) -> None:
    name = f"crawlfault{os.getpid()}"
    db_url = f"{postgres_url}&application_name={name}"
    args = crawl_args(f"{base_url(small_site)}/", db_url, "-s", "DOWNLOAD_DELAY=0.05")
    admin = sa.create_engine(postgres_url.split("?")[0])
    crawl = start_crawl(args, tmp_path / "out")
    killed = 0
    try:
        wait_until(lambda: article_requests(small_site.request_log()) >= 10, 120, "10 articles")
        while killed < 50 and crawl.process.poll() is None:
            with admin.begin() as conn:
                killed += len(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :name"
                        ),
                        {"name": name},
                    ).all()
                )
            time.sleep(0.1)
        crawl.wait(timeout=300)
    finally:
        admin.dispose()
    print(f"connections killed: {killed}; first run exit {crawl.process.returncode}")
    assert killed >= 50
    assert done_without_row(db_url) == []
    # A page whose processing met a killed connection is fetched again, so a first run
    # that says it finished has stored everything; one that gave up says db_unavailable.
    if crawl.process.returncode == 0:
        assert len(stored_paths(db_url)) == 200
    else:
        assert "db_unavailable" in crawl.text(), crawl.text()[-3000:]
    rerun = start_crawl(args, tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    stored = stored_paths(db_url)
    missing = sorted({article_path(i) for i in range(200)} - set(stored))
    rows = [
        r
        for r in query(db_url, "SELECT url, state, last_error, kind FROM frontier")
        if any(str(r[0]).endswith(m) for m in missing)
    ]
    assert len(stored) == len(set(stored)) == 200, (missing, rows)
    assert done_without_row(db_url) == []
    assert frontier_states(db_url).keys() <= {"done", "failed"}, frontier_states(db_url)
