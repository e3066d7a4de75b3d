"""The per-host bound on unprocessed pages: waiters are woken by a leaving page, in order."""

from __future__ import annotations

import asyncio

import pytest

from crawler import admission
from crawler.admission import HostAdmission


async def _settle() -> None:
    """Let every ready task run (no timers: a poller would still be asleep)."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_leaving_page_wakes_the_longest_waiter_at_once() -> None:
    async def run() -> list[str]:
        gate = HostAdmission(limit=2)
        order: list[str] = []

        async def enter(key: str) -> None:
            await gate.enter("a.example", key)
            order.append(key)

        for key in ("p1", "p2", "p3", "p4"):
            asyncio.create_task(enter(key))
        await _settle()
        assert order == ["p1", "p2"]
        gate.leave("a.example", "p1")
        await _settle()
        assert order == ["p1", "p2", "p3"]
        gate.leave("a.example", "p3")
        await _settle()
        assert order == ["p1", "p2", "p3", "p4"]
        return order

    asyncio.run(run())


def test_hosts_are_bounded_apart_and_an_admitted_key_goes_on() -> None:
    async def run() -> None:
        gate = HostAdmission(limit=1)
        await gate.enter("a.example", "p1")
        await asyncio.wait_for(gate.enter("a.example", "p1"), 1)  # a retry of its own page
        await asyncio.wait_for(gate.enter("b.example", "q1"), 1)
        blocked = asyncio.create_task(gate.enter("a.example", "p2"))
        await _settle()
        assert not blocked.done()
        gate.leave("b.example", "q1")
        await _settle()
        assert not blocked.done()
        gate.leave("a.example", "p1")
        await _settle()
        assert blocked.done()

    asyncio.run(run())


def test_a_woken_waiter_cancelled_loses_no_room() -> None:
    async def run() -> None:
        gate = HostAdmission(limit=1)
        await gate.enter("a.example", "p1")
        first = asyncio.create_task(gate.enter("a.example", "p2"))
        second = asyncio.create_task(gate.enter("a.example", "p3"))
        await _settle()
        gate.leave("a.example", "p1")
        first.cancel()  # woken and cancelled before it ran
        await _settle()
        if not first.cancelled():  # the room was already its own (asyncio.wait_for <= 3.11)
            assert not second.done()
            gate.leave("a.example", "p2")
            await _settle()
        assert second.done()

    asyncio.run(run())


def test_a_page_never_reported_lets_the_waiter_go_after_the_longest_wait(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(admission, "MAX_WAIT", 0.05)

    async def run() -> None:
        gate = HostAdmission(limit=1)
        await gate.enter("a.example", "p1")
        await asyncio.wait_for(gate.enter("a.example", "p2"), 2)

    asyncio.run(run())
    assert "waited 0.05 s for room" in caplog.text


def test_no_limit_admits_everything() -> None:
    async def run() -> None:
        gate = HostAdmission(limit=0)
        for i in range(50):
            await asyncio.wait_for(gate.enter("a.example", f"p{i}"), 1)

    asyncio.run(run())
