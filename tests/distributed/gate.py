"""The bundled sites, with a gate that holds back the answers to chosen requests until the test
releases them: a worker waiting for held answers provably holds those requests, and nothing
it does can finish them, so a test can kill it at a known point instead of racing it."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.siteserver import RequestRecord, Response, SiteServer

#: The request header that names a worker (sent through ``DEFAULT_REQUEST_HEADERS``).
WORKER_HEADER = "X-Test-Worker"


def worker_header(name: str) -> str:
    """The ``-s`` setting that makes a worker send ``WORKER_HEADER: name`` with each request
    (a JSON value merges into Scrapy's default headers)."""
    return f'DEFAULT_REQUEST_HEADERS={{"{WORKER_HEADER}": "{name}"}}'


def sent_by(record: RequestRecord) -> str | None:
    """The worker that sent a logged request, as named by `worker_header` (None: unnamed)."""
    return _header(record.headers, WORKER_HEADER)


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


@dataclass
class _Rule:
    site: str
    paths: frozenset[str]
    worker: str | None
    let_through: int

    def matches(self, site: str, method: str, path: str, headers: dict[str, str]) -> bool:
        if site != self.site or method != "GET" or path not in self.paths:
            return False
        return self.worker is None or _header(headers, WORKER_HEADER) == self.worker


class GatedSiteServer(SiteServer):
    """A `SiteServer` whose answers to the GETs `hold` names wait until `release`."""

    def __init__(self, root: Path, host: str = "127.0.0.1") -> None:
        super().__init__(root, host)
        self._gate = threading.Condition()
        self._rule: _Rule | None = None
        self._held: list[str] = []
        self._passed: list[str] = []

    def hold(
        self,
        site: str,
        paths: Collection[str],
        worker: str | None = None,
        let_through: int = 0,
    ) -> None:
        """Hold the answers to GETs of ``paths`` on ``site`` (only those of ``worker``, when
        given, as named by `worker_header`), after answering the first ``let_through``."""
        with self._gate:
            self._rule = _Rule(site, frozenset(paths), worker, let_through)
            self._passed = []

    def release(self) -> None:
        """Answer every held request (a dead worker's connection just fails) and hold no more."""
        with self._gate:
            self._rule = None
            self._gate.notify_all()

    def held(self) -> list[str]:
        """The paths whose answers are being held now, in arrival order."""
        with self._gate:
            return list(self._held)

    def let_through(self) -> list[str]:
        """The paths of the ``let_through`` requests answered since `hold`."""
        with self._gate:
            return list(self._passed)

    def respond(self, site: str, method: str, target: str, headers: dict[str, str]) -> Response:
        path = urlsplit(target).path
        with self._gate:
            rule = self._rule
            if rule is not None and rule.matches(site, method, path, headers):
                if len(self._passed) < rule.let_through:
                    self._passed.append(path)
                else:
                    self._held.append(path)
                    while self._rule is rule:
                        self._gate.wait()
                    self._held.remove(path)
        return super().respond(site, method, target, headers)
