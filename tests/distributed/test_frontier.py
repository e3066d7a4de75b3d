"""The frontier's Redis operations against a real Redis: seeding, taking, settling, reclaiming."""

from __future__ import annotations

import time
from typing import cast

import pytest
from redis import Redis

from crawler.distributed.frontier import RedisFrontier
from crawler.distributed.keys import FrontierKeys

pytestmark = pytest.mark.redis

TIMEOUT = 0.4  # seconds of silence after which a worker is dead


def frontier(redis_client: Redis, namespace: str, worker: str) -> RedisFrontier:
    keys = FrontierKeys(namespace, "src", "site")
    return RedisFrontier(redis_client, keys, worker, timeout=TIMEOUT, stale=0.2)


def queued(redis_client: Redis, namespace: str) -> dict[bytes, float]:
    pairs = redis_client.zrange(f"{namespace}:src:site:requests", 0, -1, withscores=True)
    return dict(cast(list[tuple[bytes, float]], pairs))


def test_push_filters_seen_fingerprints_but_not_unfiltered_requests(
    redis_client: Redis, namespace: str
) -> None:
    a = frontier(redis_client, namespace, "a")
    assert a.push(b"home", 0, "fp-home")
    assert not a.push(b"home-again", 0, "fp-home")
    assert a.push(b"retry-1", 0, None)
    assert a.push(b"retry-2", 0, None)
    assert set(queued(redis_client, namespace)) == {b"home", b"retry-1", b"retry-2"}
    assert redis_client.smembers(f"{namespace}:src:site:seen") == {b"fp-home"}


def test_take_gives_the_best_request_once_and_records_it_as_taken(
    redis_client: Redis, namespace: str
) -> None:
    a, b = frontier(redis_client, namespace, "a"), frontier(redis_client, namespace, "b")
    a.push(b"listing", 0, "1")
    a.push(b"article", -1, "2")  # priority 1
    a.join()
    b.join()
    assert a.take() == b"article"
    assert b.take() == b"listing"
    assert a.take() is None and b.take() is None
    assert redis_client.zrange(a.taken_key, 0, -1, withscores=True) == [(b"article", -1.0)]
    assert redis_client.zrange(b.taken_key, 0, -1, withscores=True) == [(b"listing", 0.0)]


def test_settle_forgets_durable_requests_and_parks_those_waiting_for_the_database(
    redis_client: Redis, namespace: str
) -> None:
    a = frontier(redis_client, namespace, "a")
    for member in (b"r1", b"r2", b"r3"):
        a.push(member, -2, member.decode())
    a.join()
    taken = [a.take(), a.take(), a.take()]
    assert None not in taken
    a.settle(forget=[b"r1"], unsaved=[b"r2"])
    assert redis_client.zrange(a.taken_key, 0, -1) == [b"r3"]
    unsaved = redis_client.zrange(f"{namespace}:src:site:unsaved:a", 0, -1, withscores=True)
    assert unsaved == [(b"r2", -2.0)]
    a.settle(forget=[b"r2"])
    assert not redis_client.exists(f"{namespace}:src:site:unsaved:a")


def test_a_dead_workers_taken_and_unsaved_requests_go_back_to_the_queue(
    redis_client: Redis, namespace: str
) -> None:
    a, b = frontier(redis_client, namespace, "a"), frontier(redis_client, namespace, "b")
    a.push(b"p1", -1, "1")
    a.push(b"p2", 0, "2")
    a.join()
    a.take()
    a.take()
    a.settle(forget=[], unsaved=[b"p1"])
    b.join()
    assert b.beat().reclaimed == 0  # a is only silent, not dead yet
    time.sleep(TIMEOUT + 0.2)
    beat = b.beat()
    assert beat.reclaimed == 2
    assert queued(redis_client, namespace) == {b"p1": -1.0, b"p2": 0.0}
    assert redis_client.zrange(f"{namespace}:src:site:workers", 0, -1) == [b"b"]
    assert not redis_client.exists(a.taken_key, f"{namespace}:src:site:unsaved:a")


def test_pending_elsewhere_counts_work_in_progress_and_the_unsaved_of_silent_workers(
    redis_client: Redis, namespace: str
) -> None:
    a, b = frontier(redis_client, namespace, "a"), frontier(redis_client, namespace, "b")
    a.push(b"p1", 0, "1")
    a.push(b"p2", 0, "2")
    a.join()
    b.join()
    a.take()
    a.take()
    assert b.beat().pending_elsewhere == 2
    a.settle(forget=[b"p1"], unsaved=[b"p2"])
    a.beat()
    assert b.beat().pending_elsewhere == 0  # a beats: its unsaved request yields nothing
    time.sleep(0.3)  # a misses its beats: it may be dead, its unsaved request may come back
    assert b.beat().pending_elsewhere == 1


def test_a_crawl_starts_afresh_only_once_the_previous_one_is_over(
    redis_client: Redis, namespace: str
) -> None:
    seen = f"{namespace}:src:site:seen"
    a = frontier(redis_client, namespace, "a")
    a.push(b"home", 0, "home")
    assert a.join() == (0, False)  # something is queued: a joins that crawl
    a.take()
    b = frontier(redis_client, namespace, "b")
    assert b.join() == (0, False)  # a is working on a request
    a.settle(forget=[b"home"])
    c = frontier(redis_client, namespace, "c")
    assert c.join() == (0, False)  # drained, but a and b are still registered
    assert (a.leave(), b.leave(), c.leave()) == ((0, False), (0, False), (0, True))
    assert not redis_client.exists(seen)  # the last one out deleted it

    d = frontier(redis_client, namespace, "d")
    d.push(b"home", 0, "home")
    d.join()
    d.take()
    d.settle(forget=[b"home"])  # ... and d is killed before it leaves
    e = frontier(redis_client, namespace, "e")
    assert e.join() == (0, False)  # d might still be alive
    assert redis_client.sismember(seen, "home")
    e.leave()
    assert redis_client.sismember(seen, "home")  # d is still registered
    time.sleep(TIMEOUT + 0.2)
    assert frontier(redis_client, namespace, "f").join() == (0, True)  # d is dead
    assert not redis_client.exists(seen)


def test_leave_gives_back_unsettled_requests_and_keeps_the_seen_set_of_an_unfinished_crawl(
    redis_client: Redis, namespace: str
) -> None:
    a = frontier(redis_client, namespace, "a")
    for n in range(3):
        a.push(f"p{n}".encode(), -n, str(n))
    a.join()
    a.take()
    a.take()
    a.settle(forget=[], unsaved=[b"p1"])
    assert a.leave() == (2, False)
    assert queued(redis_client, namespace) == {b"p0": 0.0, b"p1": -1.0, b"p2": -2.0}
    assert redis_client.scard(f"{namespace}:src:site:seen") == 3
    assert not redis_client.exists(f"{namespace}:src:site:workers")


def test_the_last_worker_out_of_a_drained_frontier_deletes_its_seen_set(
    redis_client: Redis, namespace: str
) -> None:
    a = frontier(redis_client, namespace, "a")
    a.push(b"only", 0, "only")
    a.join()
    a.take()
    a.settle(forget=[b"only"])
    assert a.leave() == (0, True)
    assert list(redis_client.scan_iter(match=f"{namespace}:*")) == []


def test_a_worker_given_up_for_dead_registers_again_when_it_takes(
    redis_client: Redis, namespace: str
) -> None:
    a, b = frontier(redis_client, namespace, "a"), frontier(redis_client, namespace, "b")
    a.push(b"p1", 0, "1")
    a.push(b"p2", 0, "2")
    a.join()
    time.sleep(TIMEOUT + 0.2)
    b.join()  # reclaims a: nothing taken, a unregistered
    assert redis_client.zrange(f"{namespace}:src:site:workers", 0, -1) == [b"b"]
    assert a.take() is not None
    workers = redis_client.zrange(f"{namespace}:src:site:workers", 0, -1)
    assert sorted(workers) == [b"a", b"b"]
    assert a.beat().was_lost is False
