"""The requests one worker took from the shared queue, until their outcome is durable.

A taken request is done once Scrapy has finished it: its callback ran, the requests it
yielded are queued in Redis, its items went through the pipelines. It is settled once, in
addition, every article it produced is in the database (the store pipeline writes in
batches, so an item that left the pipelines may still wait in memory). Until it is settled
the request stays in Redis under the worker's name, and if the worker dies it is queued
again. A request given up at a stop (never sent) is never settled: the worker gives it back
when it leaves. A request settled late costs nothing; one settled early could be lost.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from scrapy import Request

from crawler.net.downloader import GIVEN_UP_META


@dataclass(slots=True)
class _Taken:
    member: bytes
    articles: set[str] = field(default_factory=set)  # URLs not yet seen in the database
    done: bool = False


@dataclass(frozen=True, slots=True)
class Settled:
    """What one look at the taken requests decided (serialized members)."""

    forget: list[bytes]  # settled: their outcome is durable
    unsaved: list[bytes]  # newly done, still waiting for their articles to be stored


class TakenRequests:
    """Taken requests by identity (the object Scrapy downloads and answers with)."""

    def __init__(self) -> None:
        self._taken: dict[Request, _Taken] = {}

    def __len__(self) -> int:
        return len(self._taken)

    def add(self, request: Request, member: bytes) -> None:
        """``request`` was taken; ``member`` is its serialized form in Redis."""
        self._taken[request] = _Taken(member)

    def expect_article(self, request: Request | None, url: str) -> bool:
        """An article from ``request`` went through the pipelines and will be stored under
        ``url``; False when ``request`` is not one of ours (then nothing waits for it)."""
        taken = self._taken.get(request) if request is not None else None
        if taken is None:
            return False
        taken.articles.add(url)
        return True

    def settle(
        self, in_progress: Collection[Request], stored: Callable[[Iterable[str]], set[str]]
    ) -> Settled:
        """Mark the requests Scrapy no longer has ``in_progress`` as done, and settle (forget)
        those whose articles ``stored`` finds in the database (one call for all of them)."""
        newly_done = set()
        for request, taken in self._taken.items():
            if request.meta.get(GIVEN_UP_META):
                continue  # never sent (the worker is stopping): `leave` gives it back
            if not taken.done and request not in in_progress:
                taken.done = True
                newly_done.add(request)
        done = [r for r, t in self._taken.items() if t.done]
        waiting = {url for r in done for url in self._taken[r].articles}
        found = stored(waiting) if waiting else set()
        settled = Settled([], [])
        for request in done:
            taken = self._taken[request]
            taken.articles -= found
            if not taken.articles:
                settled.forget.append(taken.member)
                del self._taken[request]
            elif request in newly_done:
                settled.unsaved.append(taken.member)
        return settled
