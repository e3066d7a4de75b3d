"""Atomic Redis operations on one shared frontier: push, take, settle, join, beat, leave.

Each operation is one Lua script (one round trip, atomic in Redis), so that no interleaving
of workers can lose a request or seed a crawl twice:

* `push`: add a request's fingerprint to the seen set and, if it was new, the request to
  the queue (``dont_filter`` requests are queued unfiltered).
* `take`: pop the best request and record it as ``taken`` by this worker.
* `settle`: forget requests whose outcome is durable; move those only waiting for their
  articles to reach the database from ``taken`` to ``unsaved``.
* `join` / `beat`: register or refresh this worker; any worker silent for longer than the
  timeout is dead and its taken and unsaved requests go back to the queue (``reclaimed``).
  `join` also clears the seen set when the frontier's previous crawl finished (no worker
  registered, nothing queued), so that a new crawl starts afresh.
* `leave`: give this worker's taken and unsaved requests back to the queue and unregister;
  the last worker out of a finished crawl deletes its seen set.

A seen set is deleted only when no worker is registered, so a running worker may remember
fingerprints it found in it (`crawler.distributed.scheduler`). Times are Redis's own
(``TIME``), so the workers' clocks do not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from crawler.distributed.keys import FrontierKeys

# KEYS[1] requests, KEYS[2] workers; ARGV[1] key base ('<ns>:<source>:<spider>:'),
# ARGV[2] timeout, ARGV[3] this worker. Helpers shared by join, beat and leave.
_HELPERS = """
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function requeue(key)
  local members = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  for i = 1, #members, 2 do
    redis.call('ZADD', KEYS[1], members[i + 1], members[i])
  end
  redis.call('DEL', key)
  return #members / 2
end
local function give_back(worker)
  local n = requeue(ARGV[1] .. 'taken:' .. worker) + requeue(ARGV[1] .. 'unsaved:' .. worker)
  redis.call('ZREM', KEYS[2], worker)
  return n
end
local function reclaim_dead(t)
  local n = 0
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', t - tonumber(ARGV[2]))) do
    n = n + give_back(w)
  end
  return n
end
-- Nothing queued and no worker registered: every taken or unsaved request belongs to a
-- registered worker (taking registers; giving back unregisters), so none is pending.
local function finished()
  return redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0
end
"""
# KEYS: requests, seen; ARGV: member, score, fingerprint ('' = do not filter).
_PUSH = """
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""
# KEYS: requests, taken, workers; ARGV: this worker. A worker given up for dead while it
# was only slow registers again here, so that nothing it takes is invisible to the others.
_TAKE = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then
  return false
end
redis.call('ZREM', KEYS[1], best[1])
redis.call('ZADD', KEYS[2], best[2], best[1])
local t = redis.call('TIME')
redis.call('ZADD', KEYS[3], 'NX', tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
return best[1]
"""
# KEYS: taken, unsaved; ARGV: number of members to forget, then those, then those to move.
_SETTLE = """
local forget = tonumber(ARGV[1])
for i = 2, forget + 1 do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
end
for i = forget + 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('ZADD', KEYS[2], score, ARGV[i])
  end
end
return 1
"""
# KEYS: requests, workers, seen. Returns {reclaimed, 1 for a fresh crawl}.
_JOIN = (
    _HELPERS
    + """
local t = now()
local reclaimed = reclaim_dead(t)
local fresh = 0
if finished() then
  redis.call('DEL', KEYS[3])
  fresh = 1
end
redis.call('ZADD', KEYS[2], t, ARGV[3])
return {reclaimed, fresh}
"""
)
# KEYS: requests, workers; ARGV[4]: seconds without a beat after which a worker's unsaved
# requests count as pending (it may be dead). Returns {reclaimed, 1 if this worker had been
# given up for dead, requests queued, requests pending elsewhere}.
_BEAT = (
    _HELPERS
    + """
local t = now()
local lost = redis.call('ZADD', KEYS[2], t, ARGV[3])
local reclaimed = reclaim_dead(t)
local pending = 0
local workers = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #workers, 2 do
  local w = workers[i]
  if w ~= ARGV[3] then
    pending = pending + redis.call('ZCARD', ARGV[1] .. 'taken:' .. w)
    if tonumber(workers[i + 1]) < t - tonumber(ARGV[4]) then
      pending = pending + redis.call('ZCARD', ARGV[1] .. 'unsaved:' .. w)
    end
  end
end
return {reclaimed, lost, redis.call('ZCARD', KEYS[1]), pending}
"""
)
# KEYS: requests, workers, seen. Returns {released, 1 if this was the last worker of a
# finished crawl (seen set deleted)}.
_LEAVE = (
    _HELPERS
    + """
local released = give_back(ARGV[3])
if finished() then
  redis.call('DEL', KEYS[3])
  return {released, 1}
end
return {released, 0}
"""
)


@dataclass(frozen=True, slots=True)
class Beat:
    """What a heartbeat found: requests reclaimed from dead workers, whether this worker
    had itself been given up for dead, requests queued, and requests pending elsewhere:
    those other workers are working on, and the unsaved ones of workers that missed
    their beats (they may be dead; a live worker's unsaved requests yield nothing more
    and become durable at its next flush, so they keep no one waiting)."""

    reclaimed: int
    was_lost: bool
    queued: int
    pending_elsewhere: int


class RedisFrontier:
    """One worker's view of one frontier (``keys``), as worker ``worker``: workers silent
    for ``timeout`` seconds are dead, for ``stale`` seconds maybe dead."""

    def __init__(
        self, server: Redis, keys: FrontierKeys, worker: str, timeout: float, stale: float
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.timeout = timeout
        self.stale = stale
        self._push = server.register_script(_PUSH)
        self._take = server.register_script(_TAKE)
        self._settle = server.register_script(_SETTLE)
        self._join = server.register_script(_JOIN)
        self._beat = server.register_script(_BEAT)
        self._leave = server.register_script(_LEAVE)

    def push(self, member: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue ``member``; False when ``fingerprint`` was seen already (nothing queued)."""
        args: list[bytes | str | float] = [member, score, fingerprint or ""]
        return bool(self._push(keys=[self.keys.requests, self.keys.seen], args=args))

    def take(self) -> bytes | None:
        """The best queued request, now recorded as taken by this worker; None when empty."""
        keys = [self.keys.requests, self.taken_key, self.keys.workers]
        member: bytes | None = self._take(keys=keys, args=[self.worker])
        return member

    def settle(self, forget: Sequence[bytes], unsaved: Sequence[bytes] = ()) -> None:
        """Forget ``forget``; mark ``unsaved`` as done but waiting for the database."""
        if forget or unsaved:
            keys = [self.taken_key, self.keys.unsaved(self.worker)]
            self._settle(keys=keys, args=[len(forget), *forget, *unsaved])

    def join(self) -> tuple[int, bool]:
        """Register this worker: (requests reclaimed from dead workers, fresh crawl)."""
        reclaimed, fresh = self._join(keys=self._keys(seen=True), args=self._args())
        return int(reclaimed), bool(fresh)

    def beat(self) -> Beat:
        """Refresh this worker's heartbeat and reclaim dead workers' requests."""
        args = [*self._args(), self.stale]
        reclaimed, lost, queued, pending = self._beat(keys=self._keys(), args=args)
        return Beat(int(reclaimed), bool(lost), int(queued), int(pending))

    def leave(self) -> tuple[int, bool]:
        """Give back unsettled requests and unregister: (released, crawl finished)."""
        released, drained = self._leave(keys=self._keys(seen=True), args=self._args())
        return int(released), bool(drained)

    @property
    def taken_key(self) -> str:
        return self.keys.taken(self.worker)

    def _keys(self, seen: bool = False) -> list[str]:
        keys = [self.keys.requests, self.keys.workers]
        return [*keys, self.keys.seen] if seen else keys

    def _args(self) -> list[Any]:
        return [f"{self.keys.base}:", self.timeout, self.worker]


def redis_problem(url: str) -> str | None:
    """Why the Redis at ``url`` cannot hold a frontier (one line), or None when it can."""
    try:
        server = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    except ValueError as exc:
        return f"not a Redis URL (--redis / CRAWLER_REDIS_URL): {exc}"
    try:
        server.ping()
    except RedisError as exc:
        return f"Redis is unreachable (--redis / CRAWLER_REDIS_URL): {exc}"
    finally:
        server.close()
    return None
