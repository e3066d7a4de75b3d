"""Several ``crawler crawl --redis`` processes share one crawl of a local news site and store
into one PostgreSQL database: together they store what one process stores, fetch no article
twice, and lose nothing when one of them is killed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis

from tests.distributed.gate import GatedSiteServer, sent_by, worker_header
from tests.distributed.helpers import (
    Worker,
    connected,
    fetches,
    finish,
    held_by,
    registered,
    run_stats,
    start_worker,
    stored_articles,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

#: A worker whose answers are held: its downloads must not time out before it is killed.
PATIENT = ("DOWNLOAD_TIMEOUT=600",)


@pytest.fixture(scope="module")
def one_process(sites: GatedSiteServer, tmp_path_factory: pytest.TempPathFactory) -> Counter[str]:
    """The articles one plain ``crawler crawl`` (no Redis) stores from the defense homepage."""
    folder = tmp_path_factory.mktemp("one-process")
    db_url = f"sqlite:///{folder / 'news.db'}"
    home = sites.base_url("defense") + "/"
    finish([start_worker(folder, "single", ["crawl", home], db_url, None, "unused")])
    stored = stored_articles(db_url)
    assert len(stored) >= 15 and set(stored.values()) == {1}
    return stored


@dataclass
class Shared:
    """Workers sharing one Redis namespace and one PostgreSQL schema, crawling ``defense``."""

    sites: GatedSiteServer
    defense: dict[str, Any]
    db_url: str
    redis_url: str
    redis: Redis
    namespace: str
    folder: Path
    started: list[Worker] = field(default_factory=list)

    @property
    def home(self) -> str:
        return self.sites.base_url("defense") + "/"

    def start(self, name: str, *settings: str, command: list[str] | None = None) -> Worker:
        command = command or ["crawl", self.home]
        args = (self.db_url, self.redis_url, self.namespace, settings)
        self.started.append(start_worker(self.folder, name, command, *args))
        return self.started[-1]

    def stop_all(self) -> None:
        """Kill the workers still running (a failed test's), so that none of them crawls
        on into the next test's request log, database or Redis keys."""
        for worker in self.started:
            if worker.process.poll() is None:
                worker.kill()

    def article_paths(self) -> set[str]:
        return {article["path"] for article in self.defense["articles"]}

    def article_fetches(self, since: int = 0) -> Counter[str]:
        """Article GETs per path, from the ``since``-th request logged on."""
        return fetches(self.sites.request_log()[since:], "defense", self.article_paths())

    def article_fetches_by(self, worker: str | None) -> Counter[str]:
        """Article GETs per path sent by ``worker`` (None: by workers that do not name
        themselves)."""
        log = [r for r in self.sites.request_log() if sent_by(r) == worker]
        return fetches(log, "defense", self.article_paths())

    def stored(self) -> Counter[str]:
        """The articles stored so far; none while no worker has created the tables yet."""
        try:
            return stored_articles(self.db_url)
        except sa.exc.ProgrammingError:
            return Counter()

    def held_by(self, worker: Worker) -> int:
        return held_by(self.redis, self.namespace, worker.pid)

    def registered(self, worker: Worker) -> bool:
        return registered(self.redis, self.namespace, worker.pid)

    def wait_until_holding(self, worker: Worker, also: Callable[[], bool] = lambda: True) -> None:
        """Wait until ``worker`` waits for a held answer (so holds a request it cannot finish)
        and ``also``."""
        wait_for(lambda: bool(self.sites.held()) and also(), worker, 90, "a held request, and more")

    def kill(self, worker: Worker) -> int:
        """SIGKILL ``worker``; once Redis has dropped its connections (so has run everything
        it sent), the number of requests it left taken or unsaved."""
        worker.kill()
        wait_for(lambda: not connected(self.redis, worker.pid), None, 30, "Redis to drop it")
        return self.held_by(worker)

    def keys(self) -> list[bytes]:
        return list(self.redis.scan_iter(match=f"{self.namespace}:*"))


@pytest.fixture
def shared(
    sites: GatedSiteServer,
    defense: dict[str, Any],
    postgres_url: str,
    redis_server_url: str,
    redis_client: Redis,
    namespace: str,
    tmp_path: Path,
) -> Iterator[Shared]:
    sites.clear_log()
    args = (postgres_url, redis_server_url, redis_client, namespace, tmp_path)
    workers = Shared(sites, defense, *args)
    yield workers
    workers.stop_all()
    sites.release()


@pytest.mark.slow
def test_three_workers_store_what_one_process_stores_and_fetch_no_article_twice(
    shared: Shared, one_process: Counter[str]
) -> None:
    # A worker takes as many requests as it may have in flight; with four, no worker can
    # take the whole 21-article site before the others have started: they share it.
    workers = [shared.start(f"w{n}", "CONCURRENT_REQUESTS=4") for n in range(3)]
    finish(workers)
    assert shared.stored() == one_process
    fetched = shared.article_fetches()
    assert set(fetched) >= set(one_process)
    assert max(fetched.values()) == 1, fetched.most_common(3)
    log = shared.sites.request_log()
    assert len([r for r in log if r.site == "defense" and r.path == "/"]) == 1  # seeded once
    stats = run_stats(shared.db_url)
    assert sorted(stats) == sorted(w.pid for w in workers)
    assert sum(s.get("news/redis/taken", 0) > 0 for s in stats.values()) >= 2
    assert shared.keys() == []  # drained, cleaned up

    # A new crawl of the same site by other processes: listings are read again (no
    # conditional requests), but every article is known from the shared database.
    shared.sites.clear_log()
    recrawl = [shared.start(f"again{n}", "CRAWLER_CONDITIONAL=False") for n in range(2)]
    finish(recrawl)
    assert any(r.path == "/" for r in shared.sites.request_log())
    assert shared.article_fetches() == Counter()
    assert shared.stored() == one_process
    known = [run_stats(shared.db_url)[w.pid] for w in recrawl]
    assert sum(s.get("drop/already_stored", 0) for s in known) > 0


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_loses_nothing_another_worker_takes_its_requests(
    shared: Shared, one_process: Counter[str]
) -> None:
    # The doomed worker's article downloads get no answer while it lives: it holds them.
    shared.sites.hold("defense", shared.article_paths(), worker="doomed")
    doomed = shared.start("doomed", worker_header("doomed"), *PATIENT)
    shared.wait_until_holding(doomed)
    survivor = shared.start("survivor")
    wait_for(lambda: shared.registered(survivor), survivor, 90, "the survivor to join")
    in_flight = shared.kill(doomed)
    held = set(shared.sites.held())  # requests it took and never got an answer to
    assert in_flight >= len(held) > 0
    shared.sites.release()  # answered to no one
    finish([survivor])
    assert shared.stored() == one_process
    assert run_stats(shared.db_url)[survivor.pid]["news/redis/reclaimed"] == in_flight
    assert held <= set(shared.article_fetches_by(None))  # the survivor fetched them
    assert shared.keys() == []


@pytest.mark.slow
def test_a_lone_worker_killed_mid_crawl_resumes_on_restart_without_refetching_stored_articles(
    shared: Shared, one_process: Counter[str]
) -> None:
    # Five article downloads are answered (and stored); the next ones get no answer.
    shared.sites.hold("defense", shared.article_paths(), worker="first", let_through=5)
    first = shared.start("first", worker_header("first"), *PATIENT)

    def stored_what_it_got() -> bool:
        got = set(shared.sites.let_through())
        return len(got) == 5 and set(shared.stored()) == got & set(one_process)

    shared.wait_until_holding(first, also=stored_what_it_got)
    in_flight = shared.kill(first)
    answered, held = set(shared.sites.let_through()), set(shared.sites.held())
    stored_before = set(shared.stored())
    assert stored_before == answered & set(one_process) and len(stored_before) < len(one_process)
    assert in_flight >= len(held) > 0
    shared.sites.release()  # answered to no one
    wait_for(lambda: set(shared.article_fetches_by("first")) >= held, None, 30, "the answers")
    since = len(shared.sites.request_log())
    restarted = shared.start("restarted")
    finish([restarted])
    assert shared.stored() == one_process
    fetched = shared.article_fetches(since)
    assert set(fetched) == shared.article_paths() - answered  # nothing stored, all held
    assert set(fetched.values()) == {1}
    assert run_stats(shared.db_url)[restarted.pid]["news/redis/reclaimed"] == in_flight
    assert shared.keys() == []


@pytest.mark.slow
def test_run_due_with_redis_crawls_a_source_once_through_a_frontier_named_after_it(
    shared: Shared, one_process: Counter[str]
) -> None:
    sources = shared.folder / "sources.toml"
    table = f'name = "defense"\nstart_urls = ["{shared.home}"]\nschedule = "1h"\n'
    sources.write_text(f"[[source]]\n{table}")
    command = ["run-due", "--sources", str(sources)]
    runs = [shared.start(f"due{n}", command=command) for n in range(2)]
    finish(runs)
    assert shared.stored() == one_process
    crawled = [w for w in runs if w.log.exists() and "Redis frontier" in w.log.read_text()]
    assert len(crawled) == 1  # the other run found the source's lease taken
    assert f"Redis frontier {shared.namespace}:defense:site:" in crawled[0].log.read_text()
    assert shared.keys() == []
