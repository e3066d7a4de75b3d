"""A real ``crawler crawl`` never has more requests open to one host than the per-host limit.

Two hosts (127.0.0.1 and 127.0.0.2, so two download slots) each serve a homepage linking
to slow article pages; each server counts the requests it is answering at once and keeps
the peak. Scrapy 2.19's own downloader under the asyncio reactor, with no download
delay, sent every queued request at once (7 to 12 open to one host whatever the limit); see
``crawler.net.downloader``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

#: Articles each host links to, and how long each takes to answer.
ARTICLES = 10
ANSWER_SECONDS = 0.2


class CountingServer(ThreadingHTTPServer):
    """A news homepage and slow articles on ``host``; ``peak`` is the most articles it
    was answering at one time, ``served`` how many it answered."""

    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.lock = threading.Lock()
        self.open = 0
        self.peak = 0
        self.served = 0

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def started(self) -> None:
        with self.lock:
            self.open += 1
            self.peak = max(self.peak, self.open)
            self.served += 1

    def finished(self) -> None:
        with self.lock:
            self.open -= 1


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/":
            links = "".join(
                f'<li><a href="/news/2026/11/story-{i}.html">Harbour story number {i}</a></li>'
                for i in range(ARTICLES)
            )
            self._send(f"<html><body><ul>{links}</ul></body></html>".encode(), "text/html")
        else:
            self.server.started()
            try:
                time.sleep(ANSWER_SECONDS)
            finally:
                self.server.finished()
            words = " ".join(["The harbour council met again on Tuesday."] * 20)
            page = f"<html><head><title>{self.path}</title></head><body><p>{words}</p></body>"
            self._send(page.encode(), "text/html")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hosts() -> Iterator[list[CountingServer]]:
    """Two counting servers on two loopback addresses, serving until the test ends."""
    servers = [CountingServer("127.0.0.1"), CountingServer("127.0.0.2")]
    threads = [threading.Thread(target=s.serve_forever, args=(0.05,)) for s in servers]
    for thread in threads:
        thread.start()
    yield servers
    for server, thread in zip(servers, threads, strict=True):
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def crawl(hosts: list[CountingServer], tmp_path: Path) -> Callable[..., None]:
    """Run ``crawler crawl`` on both hosts' homepages with extra ``-s`` settings."""

    def run(*args: str, **settings: object) -> None:
        command = [sys.executable, "-m", "crawler", "crawl", *(s.base + "/" for s in hosts)]
        command += ["--db", f"sqlite:///{tmp_path / 'news.db'}", "--quiet", *args]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    return run


def _assert_bounded(hosts: list[CountingServer], limit: int) -> None:
    for server in hosts:
        assert server.served == ARTICLES, server.base
        assert server.peak <= limit, f"{server.base}: {server.peak} open at once, limit {limit}"
        # the limit was reached, so the bound above was tested, not just never approached
        assert server.peak == limit, f"{server.base}: at most {server.peak} open at once"


@pytest.mark.parametrize("limit", [1, 3])
def test_open_requests_per_host_stay_within_the_limit_with_no_delay(
    crawl: Callable[..., None], hosts: list[CountingServer], limit: int
) -> None:
    crawl(AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0, CONCURRENT_REQUESTS_PER_DOMAIN=limit)
    _assert_bounded(hosts, limit)


def test_open_requests_per_host_stay_within_the_limit_with_a_redis_frontier(
    crawl: Callable[..., None], hosts: list[CountingServer], redis_server_url: str
) -> None:
    import redis

    namespace = f"test-concurrency-{uuid.uuid4().hex[:12]}"
    try:
        crawl(
            "--redis",
            redis_server_url,
            AUTOTHROTTLE_ENABLED=False,
            DOWNLOAD_DELAY=0,
            CONCURRENT_REQUESTS_PER_DOMAIN=2,
            CRAWLER_REDIS_NAMESPACE=namespace,
        )
    finally:
        with redis.Redis.from_url(redis_server_url) as client:
            keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
            if keys:
                client.delete(*keys)
    _assert_bounded(hosts, 2)
