"""Several ``crawler crawl --redis`` processes share one crawl of a local news site and store
into one PostgreSQL database: together they store what one process stores, fetch no article
twice, and lose nothing when one of them is killed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis

from crawler.siteserver import SiteServer
from tests.distributed.helpers import (
    fetches,
    finish,
    held_by,
    run_stats,
    start_worker,
    stored_articles,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

#: Slow enough (per worker) that a worker can be killed in the middle of the crawl.
UNHURRIED = ("DOWNLOAD_DELAY=0.15", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
#: One worker alone, killed after the store's first flush (every 5 s) and before the end.
SLOWER = ("DOWNLOAD_DELAY=0.3", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


@pytest.fixture(scope="module")
def one_process(sites: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Counter[str]:
    """The articles one plain ``crawler crawl`` (no Redis) stores from the defense homepage."""
    folder = tmp_path_factory.mktemp("one-process")
    db_url = f"sqlite:///{folder / 'news.db'}"
    home = sites.base_url("defense") + "/"
    finish([start_worker(folder, "single", ["crawl", home], db_url, None, "unused")])
    stored = stored_articles(db_url)
    assert len(stored) >= 15 and set(stored.values()) == {1}
    return stored


def stored_so_far(db_url: str) -> Counter[str]:
    """The articles stored so far; none while the worker has not created the tables yet."""
    try:
        return stored_articles(db_url)
    except sa.exc.ProgrammingError:
        return Counter()


def article_fetches(sites: SiteServer, defense: dict[str, Any]) -> Counter[str]:
    paths = {article["path"] for article in defense["articles"]}
    return fetches(sites.request_log(), "defense", paths)


@pytest.mark.slow
def test_three_workers_store_what_one_process_stores_and_fetch_no_article_twice(
    sites: SiteServer,
    defense: dict[str, Any],
    one_process: Counter[str],
    postgres_url: str,
    redis_server_url: str,
    redis_client: Redis,
    namespace: str,
    tmp_path: Path,
) -> None:
    sites.clear_log()
    home = sites.base_url("defense") + "/"
    workers = [
        start_worker(tmp_path, f"w{n}", ["crawl", home], postgres_url, redis_server_url, namespace)
        for n in range(3)
    ]
    finish(workers)
    assert stored_articles(postgres_url) == one_process
    fetched = article_fetches(sites, defense)
    assert set(fetched) >= set(one_process)
    assert max(fetched.values()) == 1, fetched.most_common(3)
    homepage_fetches = [r for r in sites.request_log() if r.site == "defense" and r.path == "/"]
    assert len(homepage_fetches) == 1  # seeding by three workers is idempotent
    stats = run_stats(postgres_url)
    assert sorted(stats) == sorted(w.pid for w in workers)
    assert sum(s.get("news/redis/taken", 0) > 0 for s in stats.values()) >= 2
    assert list(redis_client.scan_iter(match=f"{namespace}:*")) == []  # drained, cleaned up

    # A new crawl of the same site by other processes: listings are read again (no
    # conditional requests), but every article is known from the shared database.
    sites.clear_log()
    again = ["CRAWLER_CONDITIONAL=False"]
    recrawl = [
        start_worker(
            tmp_path, f"again{n}", ["crawl", home], postgres_url, redis_server_url, namespace, again
        )
        for n in range(2)
    ]
    finish(recrawl)
    assert any(r.path == "/" for r in sites.request_log())
    assert article_fetches(sites, defense) == Counter()
    assert stored_articles(postgres_url) == one_process
    known = [run_stats(postgres_url)[w.pid] for w in recrawl]
    assert sum(s.get("drop/already_stored", 0) for s in known) > 0


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_loses_nothing_another_worker_takes_its_requests(
    sites: SiteServer,
    defense: dict[str, Any],
    one_process: Counter[str],
    postgres_url: str,
    redis_server_url: str,
    redis_client: Redis,
    namespace: str,
    tmp_path: Path,
) -> None:
    sites.clear_log()
    home = sites.base_url("defense") + "/"
    doomed = start_worker(
        tmp_path, "doomed", ["crawl", home], postgres_url, redis_server_url, namespace, UNHURRIED
    )
    survivor = start_worker(
        tmp_path, "survivor", ["crawl", home], postgres_url, redis_server_url, namespace, UNHURRIED
    )
    wait_for(
        lambda: (
            sum(article_fetches(sites, defense).values()) >= 6
            and held_by(redis_client, namespace, doomed.pid) > 0
        ),
        doomed,
        timeout=90,
        what="the doomed worker to be in the middle of the crawl",
    )
    doomed.kill()
    in_flight = held_by(redis_client, namespace, doomed.pid)
    assert in_flight > 0  # requests taken, or articles not flushed to the database yet
    finish([survivor])
    assert stored_articles(postgres_url) == one_process
    survivor_stats = run_stats(postgres_url)[survivor.pid]
    assert survivor_stats["news/redis/reclaimed"] >= in_flight
    assert held_by(redis_client, namespace, doomed.pid) == 0
    assert list(redis_client.scan_iter(match=f"{namespace}:*")) == []


@pytest.mark.slow
def test_a_lone_worker_killed_mid_crawl_resumes_on_restart_without_refetching_stored_articles(
    sites: SiteServer,
    defense: dict[str, Any],
    one_process: Counter[str],
    postgres_url: str,
    redis_server_url: str,
    redis_client: Redis,
    namespace: str,
    tmp_path: Path,
) -> None:
    sites.clear_log()
    home = sites.base_url("defense") + "/"
    args = (["crawl", home], postgres_url, redis_server_url, namespace, SLOWER)
    first = start_worker(tmp_path, "first", *args)
    wait_for(
        lambda: (
            len(stored_so_far(postgres_url)) >= 3
            and held_by(redis_client, namespace, first.pid) > 0
        ),
        first,
        timeout=90,
        what="the worker to be in the middle of the crawl, some articles stored",
    )
    first.kill()
    in_flight = held_by(redis_client, namespace, first.pid)
    stored_before = set(stored_articles(postgres_url))
    fetched_before = article_fetches(sites, defense)
    assert 0 < len(stored_before) < len(one_process)
    restarted = start_worker(tmp_path, "restarted", *args)
    finish([restarted])
    assert stored_articles(postgres_url) == one_process
    fetched = article_fetches(sites, defense)
    refetched = {path for path, n in fetched.items() if n > 1}
    assert not refetched & stored_before  # what was stored is not fetched again
    assert len(refetched) <= in_flight
    assert set(fetched) - set(fetched_before) <= set(one_process) - stored_before | refetched
    assert run_stats(postgres_url)[restarted.pid]["news/redis/reclaimed"] == in_flight


@pytest.mark.slow
def test_run_due_with_redis_crawls_a_source_once_through_a_frontier_named_after_it(
    sites: SiteServer,
    one_process: Counter[str],
    postgres_url: str,
    redis_server_url: str,
    redis_client: Redis,
    namespace: str,
    tmp_path: Path,
) -> None:
    home = sites.base_url("defense") + "/"
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "defense"\nstart_urls = ["{home}"]\nschedule = "1h"\n')
    command = ["run-due", "--sources", str(sources)]
    runs = [
        start_worker(tmp_path, f"due{n}", command, postgres_url, redis_server_url, namespace)
        for n in range(2)
    ]
    finish(runs)
    assert stored_articles(postgres_url) == one_process
    crawled = [w for w in runs if w.log.exists() and "Redis frontier" in w.log.read_text()]
    assert len(crawled) == 1  # the other run found the source's lease taken
    assert f"Redis frontier {namespace}:defense:site:" in crawled[0].log.read_text()
    assert list(redis_client.scan_iter(match=f"{namespace}:*")) == []
