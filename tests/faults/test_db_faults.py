"""Database faults during a crawl: SQLite locked by another writer until the crawl gives up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.siteserver import SiteServer
from tests.faults.conftest import base_url
from tests.faults.helpers import (
    article_requests,
    crawl_args,
    done_without_row,
    frontier_states,
    start_crawl,
    stored_paths,
    wait_until,
)

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
