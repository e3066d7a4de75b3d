"""The throughput bench's local news site: an asyncio HTTP/1.1 server in its own process.

Serves, on 127.0.0.1, ``--pages`` article pages from `bench.pages` plus, for any size ``N``
up to that: ``/sitemaps/nN/index.xml`` (a sitemap index of sitemaps of 1,000 URLs listing
articles ``0..N-1``), ``/section/nN/`` (links to listing pages) and ``/section/nN/page/K/``
(100 article links each), and a ``robots.txt`` that allows everything. Use `sitemap_path`
and `section_path`: their ``n`` keeps a size such as 5000 from reading as a calendar year,
which the crawler's trap filter drops (the forms without it are still served). Keep-alive, no
compression, no logging: the server should cost the crawl as little CPU as possible.

    python bench/benchsite.py --pages 20000 [--port 0] [--data DIR | --generated]

prints ``READY <base url>`` once listening and serves until stdin closes or SIGTERM.
`BenchSite` runs it as a child process; `load_test` measures its own pages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil
from pages import (
    BENCHMARK_DIR,
    CONTENT_TYPE,
    PER_LISTING,
    PER_SITEMAP,
    PageSet,
    article_path,
)

_ARTICLE = re.compile(r"^/news/\d{4}/\d{2}/\d{2}/story-(\d+)\.html$")
_SITEMAP_INDEX = re.compile(r"^/sitemaps/n?(\d+)/index\.xml$")
_SITEMAP = re.compile(r"^/sitemaps/n?(\d+)/(\d+)\.xml$")
_SECTION = re.compile(r"^/section/n?(\d+)/$")
_LISTING = re.compile(r"^/section/n?(\d+)/page/(\d+)/$")
_XML = "application/xml; charset=utf-8"


def sitemap_path(size: int) -> str:
    """The sitemap index listing articles ``0..size-1``."""
    return f"/sitemaps/n{size}/index.xml"


def section_path(size: int) -> str:
    """The section front linking the listing pages of articles ``0..size-1``."""
    return f"/section/n{size}/"


class Site:
    """What the server answers for a path: (status, content type, body)."""

    def __init__(self, pages: PageSet, limit: int, base_url: str) -> None:
        self.pages = pages
        self.limit = limit
        self.base_url = base_url

    def answer(self, path: str) -> tuple[int, str, bytes]:
        path = path.split("?", 1)[0]
        if match := _ARTICLE.match(path):
            i = int(match.group(1))
            if i < self.limit and path == article_path(i):
                return 200, CONTENT_TYPE, self.pages.body(i, self.base_url)
        elif path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow:\n"
        elif (match := _SITEMAP_INDEX.match(path)) and self._size(match.group(1)):
            count = -(-int(match.group(1)) // PER_SITEMAP)
            index = sitemap_path(int(match.group(1)))
            locs = (f"{self.base_url}{index.replace('index', str(k))}" for k in range(count))
            return 200, _XML, _xml("sitemapindex", "sitemap", locs)
        elif (match := _SITEMAP.match(path)) and (size := self._size(match.group(1))):
            first = int(match.group(2)) * PER_SITEMAP
            urls = (self.article_url(i) for i in range(first, min(size, first + PER_SITEMAP)))
            return 200, _XML, _xml("urlset", "url", urls)
        elif (match := _SECTION.match(path)) and (size := self._size(match.group(1))):
            pages = range(-(-size // PER_LISTING))
            hrefs = (f"{section_path(size)}page/{k}/" for k in pages)
            return 200, CONTENT_TYPE, _listing("Latest news", hrefs)
        elif (match := _LISTING.match(path)) and (size := self._size(match.group(1))):
            first = int(match.group(2)) * PER_LISTING
            hrefs = (article_path(i) for i in range(first, min(size, first + PER_LISTING)))
            return 200, CONTENT_TYPE, _listing(f"Page {match.group(2)}", hrefs)
        return 404, "text/plain", b"not found\n"

    def article_url(self, i: int) -> str:
        return f"{self.base_url}{article_path(i)}"

    def _size(self, text: str) -> int:
        size = int(text)
        return size if 0 < size <= self.limit else 0


def _xml(root: str, element: str, locs: object) -> bytes:
    entries = "".join(f"<{element}><loc>{loc}</loc></{element}>" for loc in locs)  # type: ignore[attr-defined]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{root}>\n'
    ).encode()


def _listing(title: str, hrefs: object) -> bytes:
    items = "".join(f'<li><a href="{h}">{h}</a></li>' for h in hrefs)  # type: ignore[attr-defined]
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>"
        f"<body><h1>{title}</h1><ul>{items}</ul></body></html>"
    ).encode()


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parses request heads, writes whole responses."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            status, ctype, body = self.site.answer(parts[1] if len(parts) > 1 else "/")
            close = any(line.lower() == "connection: close" for line in lines[1:])
            header = (
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
            ).encode()
            self.transport.write(header + (b"" if parts[0] == "HEAD" else body))
            if close:
                self.transport.close()
                self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(pages: PageSet, limit: int, port: int) -> None:
    """Serve until stdin reaches EOF or SIGTERM/SIGINT arrives."""
    loop = asyncio.get_running_loop()
    holder: list[Site] = []
    server = await loop.create_server(
        lambda: _Connection(holder[0]), "127.0.0.1", port, backlog=512
    )
    bound = server.sockets[0].getsockname()[1]
    holder.append(Site(pages, limit, f"http://127.0.0.1:{bound}"))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    stdin = sys.stdin.fileno()

    def on_stdin() -> None:
        if not os.read(stdin, 1):  # the parent closed our stdin (or died)
            stop.set()

    loop.add_reader(stdin, on_stdin)
    print(f"READY {holder[0].base_url}", flush=True)
    async with server:
        await stop.wait()


class BenchSite:
    """The bench site as a child process (``with BenchSite(pages=N) as site: site.base_url``)."""

    def __init__(self, pages: int, data: Path | None = BENCHMARK_DIR) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--pages", str(pages)]
        command += ["--data", str(data)] if data else ["--generated"]
        self.command = command
        self.base_url = ""
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> BenchSite:
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("READY "):
            self.process.kill()
            raise RuntimeError(f"bench site did not start: {line!r}")
        self.base_url = line.removeprefix("READY ")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The server under a local load: pages/s and its own CPU per page."""

    pages: int
    seconds: float
    server_cpu_ms_per_page: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds


def load_test(site: BenchSite, pages: int, connections: int = 8) -> LoadResult:
    """Fetch articles ``0..pages-1`` over ``connections`` keep-alive connections."""
    port = int(site.base_url.rsplit(":", 1)[1])

    async def client(numbers: range) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in numbers:
            writer.write(f"GET {article_path(i)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
        writer.close()

    async def run() -> None:
        await asyncio.gather(*(client(range(c, pages, connections)) for c in range(connections)))

    cpu = site.cpu_seconds()
    start = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - start
    return LoadResult(pages, seconds, (site.cpu_seconds() - cpu) * 1000 / pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000, help="article pages served")
    parser.add_argument("--port", type=int, default=0)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=BENCHMARK_DIR, help="benchmark folder")
    source.add_argument("--generated", action="store_true", help="generated pages only")
    args = parser.parse_args(argv)
    pages = PageSet.load(None if args.generated else args.data)
    asyncio.run(serve(pages, args.pages, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
