"""PostgreSQL stopped or restarted under a crawl, on a private cluster (`tests.faults.pgcluster`).

A restart the database comes back from within the retry window
(``CRAWLER_DB_RETRY_BACKOFF * (2**(CRAWLER_DB_RETRIES - 1) - 1)`` seconds) is ridden out:
batches roll back and are retried, pages whose processing met the fault are fetched
again. A database down for longer closes the spider with reason ``db_unavailable``; no
URL is done without its row, and the same command run again completes the crawl.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.siteserver import SiteServer
from tests.faults.conftest import base_url, serve_site
from tests.faults.helpers import (
    Crawl,
    article_requests,
    crawl_args,
    done_without_row,
    frontier_states,
    start_crawl,
    stored_paths,
    wait_until,
)
from tests.faults.newsite import article_path
from tests.faults.pgcluster import PgCluster, server_binaries

#: A window of 0.5 + 1 + 2 + 4 + 8 = 15.5 s: longer than any restart here.
PATIENT = ("-s", "CRAWLER_DB_RETRIES=6", "-s", "DOWNLOAD_DELAY=0.05")
#: A window of 0.2 + 0.4 = 0.6 s.
IMPATIENT = (
    *("-s", "CRAWLER_DB_RETRIES=3", "-s", "CRAWLER_DB_RETRY_BACKOFF=0.2"),
    *("-s", "DOWNLOAD_DELAY=0.05"),
)
#: Seconds the database stays down in a restart that the crawl must ride out.
DOWN = 2.0
#: Restarts of the slow variant, and the articles of its site.
SLOW_RESTARTS = 5
SLOW_ARTICLES = 1000


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster, started; skipped (failed under ``.ci/run``) when the
    server programs are missing."""
    bindir, why = server_binaries()
    if bindir is None:
        if os.environ.get("CRAWLER_TEST_POSTGRES_URL"):
            pytest.fail(f"cannot start a private PostgreSQL cluster: {why}")
        pytest.skip(why)
    pg = PgCluster.create(bindir)
    try:
        pg.start()
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def cluster_db(cluster: PgCluster) -> Iterator[str]:
    """A fresh database on the private cluster (the cluster is left running)."""
    if not cluster.running():
        cluster.start()
    name = f"crawl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield cluster.url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.dispose()


def check_complete(db_url: str, articles: int) -> None:
    """Every article stored once, the frontier drained, no URL done without its row."""
    stored = stored_paths(db_url)
    assert len(stored) == len(set(stored)), "duplicate article rows"
    missing = {article_path(i) for i in range(articles)} - set(stored)
    assert not missing, f"{len(missing)} articles missing: {sorted(missing)[:5]}"
    assert frontier_states(db_url).keys() <= {"done", "failed"}, frontier_states(db_url)
    assert done_without_row(db_url) == []


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Crawl]]:
    """Starts ``crawler crawl`` of a site into a database, with settings (output appended
    to one file); any crawl still running when the test ends (a failed test) is killed."""
    started: list[Crawl] = []

    def start(server: SiteServer, db_url: str, *extra: str) -> Crawl:
        crawl = start_crawl(crawl_args(f"{base_url(server)}/", db_url, *extra), tmp_path / "out")
        started.append(crawl)
        return crawl

    yield start
    for crawl in started:
        if crawl.process.poll() is None:
            crawl.kill()


def wait_for_articles(server: SiteServer, crawl: Crawl, articles: int) -> None:
    """Wait until the site served ``articles`` article requests; fail if the crawl ends first."""
    wait_until(
        lambda: (
            crawl.process.poll() is not None or article_requests(server.request_log()) >= articles
        ),
        180,
        f"{articles} article requests",
    )
    assert crawl.process.poll() is None, f"the crawl ended first: {crawl.text()[-3000:]}"


def restart_after(
    server: SiteServer, crawl: Crawl, cluster: PgCluster, articles: int, down: float
) -> None:
    """Stop the cluster once the site served ``articles`` article requests, start it again
    ``down`` s later."""
    wait_for_articles(server, crawl, articles)
    cluster.stop()
    time.sleep(down)
    cluster.start()


def test_a_postgres_restart_during_a_crawl_is_ridden_out(
    small_site: SiteServer, cluster: PgCluster, cluster_db: str, launch: Callable[..., Crawl]
) -> None:
    crawl = launch(small_site, cluster_db, *PATIENT)
    restart_after(small_site, crawl, cluster, 60, DOWN)
    assert crawl.wait(timeout=300) == 0, crawl.text()[-3000:]
    text = crawl.text()
    assert "retrying" in text or "fetching it again" in text, "the restart went unnoticed"
    check_complete(cluster_db, 200)


@pytest.mark.slow  # the fast suite has the same close-and-rerun on a locked SQLite file
def test_postgres_down_past_the_retry_window_closes_the_crawl_and_a_rerun_completes_it(
    small_site: SiteServer, cluster: PgCluster, cluster_db: str, launch: Callable[..., Crawl]
) -> None:
    crawl = launch(small_site, cluster_db, *IMPATIENT)
    wait_for_articles(small_site, crawl, 60)
    cluster.stop()
    try:
        started = time.monotonic()
        assert crawl.wait(timeout=120) == 1, crawl.text()[-3000:]
        print(f"closed {time.monotonic() - started:.1f} s after the database went down")
    finally:
        cluster.start()
    assert "db_unavailable" in crawl.text()
    assert len(stored_paths(cluster_db)) < 200
    assert done_without_row(cluster_db) == []
    rerun = launch(small_site, cluster_db, *IMPATIENT)
    assert rerun.wait(timeout=300) == 0, rerun.text()[-3000:]
    check_complete(cluster_db, 200)


@pytest.mark.slow
def test_postgres_restarted_five_times_during_a_crawl_loses_nothing(
    tmp_path: Path,
    cluster: PgCluster,
    cluster_db: str,
    launch: Callable[..., Crawl],
    rng: random.Random,
) -> None:
    site = serve_site(tmp_path / "site", SLOW_ARTICLES)
    try:
        crawl = launch(site, cluster_db, *PATIENT)
        for share in sorted(rng.uniform(0.05, 0.8) for _ in range(SLOW_RESTARTS)):
            restart_after(site, crawl, cluster, int(share * SLOW_ARTICLES), rng.uniform(0, DOWN))
        assert crawl.wait(timeout=600) == 0, crawl.text()[-3000:]
    finally:
        site.stop()
    check_complete(cluster_db, SLOW_ARTICLES)
