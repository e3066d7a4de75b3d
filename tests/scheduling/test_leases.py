"""Source leases: one holder at a time, expiry, takeover, renewal by a heartbeat."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from crawler.leases import (
    Heartbeat,
    acquire_lease,
    live_leases,
    new_holder,
    release_lease,
    renew_lease,
)
from crawler.storage.engine import make_engine

TTL = timedelta(seconds=60)


def test_a_lease_is_held_by_one_holder_until_released(engine: sa.Engine, clock) -> None:
    first = acquire_lease(engine, "site", "a", TTL, clock())
    assert (first.holder, first.expires_at) == ("a", clock() + TTL)
    assert acquire_lease(engine, "site", "b", TTL, clock.advance(seconds=59)).holder == "a"
    assert acquire_lease(engine, "other", "b", TTL, clock()).holder == "b"
    release_lease(engine, "site", "b")  # not b's: nothing happens
    assert acquire_lease(engine, "site", "b", TTL, clock()).holder == "a"
    release_lease(engine, "site", "a")
    assert acquire_lease(engine, "site", "b", TTL, clock()).holder == "b"


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(
    engine: sa.Engine, clock
) -> None:
    acquire_lease(engine, "site", "killed", TTL, clock())
    taken = acquire_lease(engine, "site", "next", TTL, clock.advance(seconds=61))
    assert (taken.holder, taken.acquired_at) == ("next", clock())
    assert not renew_lease(engine, "site", "killed", TTL, clock())
    assert [lease.holder for lease in live_leases(engine, clock())] == ["next"]


def test_renewal_pushes_the_expiry_forward(engine: sa.Engine, clock) -> None:
    acquire_lease(engine, "site", "a", TTL, clock())
    assert renew_lease(engine, "site", "a", TTL, clock.advance(seconds=50))
    assert acquire_lease(engine, "site", "b", TTL, clock.advance(seconds=50)).holder == "a"
    assert live_leases(engine, clock.advance(seconds=11)) == []


def test_of_many_simultaneous_takers_exactly_one_wins(db_url: str, clock) -> None:
    holders = [new_holder() for _ in range(8)]
    assert len(set(holders)) == 8
    winners: list[str] = []
    barrier = threading.Barrier(len(holders))

    def take(holder: str) -> None:
        engine = make_engine(db_url)  # one engine per taker, as separate processes have
        try:
            barrier.wait()
            if acquire_lease(engine, "site", holder, TTL, clock()).holder == holder:
                winners.append(holder)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=take, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_a_heartbeat_keeps_leases_alive_and_reports_a_lost_one(engine: sa.Engine, clock) -> None:
    lost: list[str] = []
    acquire_lease(engine, "kept", "me", TTL, clock())
    acquire_lease(engine, "stolen", "me", TTL, clock())
    heartbeat = Heartbeat(engine, "me", ["kept", "stolen"], TTL, clock, on_lost=lost.append)
    clock.advance(seconds=61)  # this holder stalled past the ttl; someone took one source
    assert acquire_lease(engine, "stolen", "thief", TTL, clock()).holder == "thief"
    heartbeat.beat()
    assert lost == ["stolen"] and heartbeat.sources == ["kept"]
    assert {(lease.source, lease.holder) for lease in live_leases(engine, clock())} == {
        ("kept", "me"),
        ("stolen", "thief"),
    }


def test_the_heartbeat_thread_renews_in_the_background(engine: sa.Engine, clock) -> None:
    ttl = timedelta(seconds=0.3)
    acquire_lease(engine, "site", "me", ttl, clock())  # expires at start + 0.3 s
    with Heartbeat(engine, "me", ["site"], ttl, clock) as heartbeat:
        clock.advance(seconds=0.25)  # the clock moves once, so the lease cannot expire
        seen = heartbeat.beats
        # two beats more: the second began after the clock moved and renewed from there
        assert _wait_until(lambda: heartbeat.beats >= seen + 2, seconds=30)
    later = clock() + timedelta(seconds=0.25)  # past the acquired expiry, inside the renewed
    assert [lease.holder for lease in live_leases(engine, later)] == ["me"]


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` every 10 ms for up to ``seconds``."""
    stop = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return True
        stop.wait(0.01)
    return condition()
