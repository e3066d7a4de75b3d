"""Redis key names of a shared frontier: one set of keys per deployment, source and spider."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

#: What a namespace or source may contain; anything else in a source name becomes ``_``.
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Key suffixes, after ``<namespace>:<source>:<spider>:``; the last two are per worker.
KINDS = ("requests", "seen", "workers", "taken", "unsaved")
_PER_WORKER = ("taken", "unsaved")


@dataclass(frozen=True, slots=True)
class FrontierKeys:
    """The keys of one frontier: ``<namespace>:<source>:<spider>:<kind>``.

    ``requests`` is scrapy-redis's priority queue (a sorted set of serialized requests),
    ``seen`` the dupe filter's set of request fingerprints, ``workers`` a sorted set of
    worker ids scored by their last heartbeat (Redis time). Per worker, ``taken:<worker>``
    holds the requests it popped and is still working on, and ``unsaved:<worker>`` those
    it finished whose articles are not in the database yet; both with the queue's members
    and scores, so that they can go back to it unchanged.
    """

    namespace: str
    source: str
    spider: str

    @property
    def base(self) -> str:
        return f"{self.namespace}:{self.source}:{self.spider}"

    @property
    def requests(self) -> str:
        return f"{self.base}:requests"

    @property
    def seen(self) -> str:
        return f"{self.base}:seen"

    @property
    def workers(self) -> str:
        return f"{self.base}:workers"

    def taken(self, worker: str) -> str:
        return f"{self.base}:taken:{worker}"

    def unsaved(self, worker: str) -> str:
        return f"{self.base}:unsaved:{worker}"

    @classmethod
    def parse(cls, key: str) -> tuple[FrontierKeys, str] | None:
        """(keys, kind) of a key named by `FrontierKeys`; None for any other key."""
        parts = key.split(":")
        if len(parts) >= 5 and parts[3] in _PER_WORKER:
            return cls(*parts[:3]), parts[3]
        if len(parts) == 4 and parts[3] in KINDS:
            return cls(*parts[:3]), parts[3]
        return None


def check_namespace(namespace: str) -> str:
    """``namespace`` when it is a valid key part; ValueError otherwise."""
    if not _NAME.match(namespace):
        raise ValueError(
            f"CRAWLER_REDIS_NAMESPACE must be letters, digits, '.', '_' or '-': {namespace!r}"
        )
    return namespace


def source_key(source: str | None, seeds: Sequence[str]) -> str:
    """The frontier's source part: the source name, or for an unnamed crawl a name derived
    from its seed URLs (``<first host>-<hash of all seeds>``), so that workers started with
    the same URLs share one frontier and crawls of other URLs do not."""
    if source:
        return _UNSAFE.sub("_", source)
    hosts = sorted({urlsplit(url).hostname or "" for url in seeds} - {""})
    digest = hashlib.sha1("\n".join(sorted(seeds)).encode()).hexdigest()[:10]
    return f"{_UNSAFE.sub('_', hosts[0]) if hosts else 'urls'}-{digest}"
