"""What the shared frontiers of one deployment hold, read from Redis (for ``crawler frontier``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis

from crawler.distributed.keys import FrontierKeys


@dataclass(slots=True)
class FrontierStatus:
    """One frontier (source and spider): requests queued, being worked on (``taken``),
    done but waiting for their articles to be stored (``unsaved``), fingerprints seen,
    and workers registered (``live`` ones beat within the timeout)."""

    source: str
    spider: str
    queued: int = 0
    taken: int = 0
    unsaved: int = 0
    seen: int = 0
    workers: int = 0
    live: int = 0
    keys: list[tuple[str, str]] = field(default_factory=list)  # (kind, key)

    @property
    def drained(self) -> bool:
        return not (self.queued or self.taken or self.unsaved)


def frontier_status(
    server: Redis, namespace: str, source: str | None = None, timeout: float = 60.0
) -> list[FrontierStatus]:
    """The frontiers of ``namespace`` (only ``source``'s with one), by source and spider."""
    pattern = f"{namespace}:{source}:*" if source else f"{namespace}:*"
    found: dict[tuple[str, str], FrontierStatus] = {}
    for raw in server.scan_iter(match=pattern, count=1000):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        parsed = FrontierKeys.parse(key)
        if parsed is None or parsed[0].namespace != namespace:
            continue
        keys, kind = parsed
        status = found.setdefault(
            (keys.source, keys.spider), FrontierStatus(keys.source, keys.spider)
        )
        status.keys.append((kind, key))
    seconds, micros = server.time()
    now = seconds + micros / 1e6
    for status in found.values():
        _count(server, status, now - timeout)
    return sorted(found.values(), key=lambda s: (s.source, s.spider))


def clear_frontier(server: Redis, statuses: list[FrontierStatus]) -> int:
    """Delete the keys of ``statuses``' frontiers; the number of keys deleted."""
    keys = [key for status in statuses for _, key in status.keys]
    return int(server.delete(*keys)) if keys else 0


def _count(server: Redis, status: FrontierStatus, alive_after: float) -> None:
    pipe = server.pipeline(transaction=False)
    for kind, key in status.keys:
        if kind == "seen":
            pipe.scard(key)
        elif kind == "workers":
            pipe.zcount(key, "-inf", "+inf")
            pipe.zcount(key, alive_after, "+inf")
        else:
            pipe.zcard(key)
    results = iter(pipe.execute())
    for kind, _ in status.keys:
        value = int(next(results))
        if kind == "requests":
            status.queued = value
        elif kind == "seen":
            status.seen = value
        elif kind == "workers":
            status.workers, status.live = value, int(next(results))
        elif kind == "taken":
            status.taken += value
        else:
            status.unsaved += value
