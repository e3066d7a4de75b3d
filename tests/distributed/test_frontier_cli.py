"""``crawler frontier``: queued, taken, unsaved and seen requests per source; --watch; --clear."""

from __future__ import annotations

import threading
import time

import pytest
from redis import Redis

from crawler.cli import main
from crawler.distributed.frontier import RedisFrontier
from crawler.distributed.keys import FrontierKeys

pytestmark = pytest.mark.redis


def worker(redis_client: Redis, namespace: str, source: str, name: str) -> RedisFrontier:
    return RedisFrontier(redis_client, FrontierKeys(namespace, source, "site"), name, 60, 6)


@pytest.fixture
def argv(redis_server_url: str, namespace: str) -> list[str]:
    """``crawler frontier`` on the test's Redis and namespace."""
    return ["frontier", "--redis", redis_server_url, "--namespace", namespace]


def rows(text: str) -> dict[str, list[str]]:
    lines = text.strip().splitlines()
    assert lines[0].split() == ["SOURCE", "SPIDER", "QUEUED", "TAKEN", "UNSAVED", "SEEN", "WORKERS"]
    return {line.split()[0]: line.split()[1:] for line in lines[1:]}


def test_each_source_shows_its_queue_work_in_flight_and_seen_count(
    redis_client: Redis, namespace: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    a = worker(redis_client, namespace, "defense", "a")
    for n in range(5):
        a.push(f"p{n}".encode(), 0, str(n))
    a.join()
    a.take()
    a.take()
    a.settle(forget=[], unsaved=[a.take() or b""])
    b = worker(redis_client, namespace, "wordpress", "b")
    b.push(b"home", 0, "home")
    assert main(argv) == 0
    assert rows(capsys.readouterr().out) == {
        "defense": ["site", "2", "2", "1", "5", "1/1"],
        "wordpress": ["site", "1", "0", "0", "1", "0/0"],
    }
    assert main([*argv, "--source", "wordpress"]) == 0
    assert list(rows(capsys.readouterr().out)) == ["wordpress"]


def test_watch_prints_until_the_frontier_is_drained(
    redis_client: Redis, namespace: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    a = worker(redis_client, namespace, "defense", "a")
    a.push(b"only", 0, "only")
    a.join()
    status: list[int] = []
    watcher = threading.Thread(target=lambda: status.append(main([*argv, "--watch", "0.05"])))
    watcher.start()
    printed = ""
    deadline = time.monotonic() + 30
    while "defense" not in printed and time.monotonic() < deadline:
        time.sleep(0.05)
        printed += capsys.readouterr().out
    member = a.take()
    assert member is not None
    a.settle(forget=[member])
    a.leave()
    watcher.join(30)
    assert status == [0]
    tables = (printed + capsys.readouterr().out).strip().split("\n\n")
    assert rows(tables[0])["defense"][:2] == ["site", "1"]
    assert tables[-1] == "no frontier in Redis"


def test_clear_refuses_while_a_worker_is_live_and_then_deletes_the_source(
    redis_client: Redis, namespace: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    a = worker(redis_client, namespace, "defense", "a")
    a.push(b"p", 0, "p")
    a.join()
    other = worker(redis_client, namespace, "wordpress", "b")
    other.push(b"q", 0, "q")
    assert main([*argv, "--clear"]) == 2
    assert "--clear needs --source" in capsys.readouterr().err
    assert main([*argv, "--clear", "--source", "defense"]) == 1
    assert "still crawling" in capsys.readouterr().err
    a.leave()
    assert main([*argv, "--clear", "--source", "defense"]) == 0
    assert "defense: 2 key(s) deleted" in capsys.readouterr().out
    remaining = {k.decode() for k in redis_client.scan_iter(match=f"{namespace}:*")}
    assert remaining == {f"{namespace}:wordpress:site:requests", f"{namespace}:wordpress:site:seen"}


def test_an_unreachable_redis_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frontier", "--redis", "redis://127.0.0.1:1/0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crawler: error: Redis:") and err.count("\n") == 1
