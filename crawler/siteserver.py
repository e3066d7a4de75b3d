"""Serves folders of static pages as local news sites, one HTTP port per site, with a request log.

Each subfolder of the root (except names starting with ``_`` or ``.``) is one site, served
on its own free port. Text files have ``{{base}}`` (this site's base URL) and
``{{site:NAME}}`` (another site's base URL) substituted at serve time. ``/path/`` serves
``/path/index.html`` (or another of ``INDEX_FILES``), ``/path`` serves ``/path.html`` when
there is no file ``path``; the query string never changes which file is served. Responses
carry an ``ETag`` (hash of the served bytes) and a ``Last-Modified`` (file mtime) and
answer conditional requests with 304. Files are read at request time, so a test may add
pages between two crawls.

A site may hold ``_routes.json``: ``{"redirects": {"/old/": "/new/" | {"to": "/new/",
"status": 302}}, "status": {"/gone/": 410}}``. Files and folders whose name starts with
``_`` and the site's ``expected.json`` are never served.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import json
import mimetypes
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

#: Names looked up, in order, when a path ends with ``/``.
INDEX_FILES = ("index.html", "index.xml", "index.rss", "index.atom", "index.json", "index.txt")
#: Site files that describe the fixture and are never served.
PRIVATE_FILES = frozenset({"expected.json"})
#: Content types by extension (anything else goes through ``mimetypes``).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_TEXT_SUFFIXES = frozenset(CONTENT_TYPES)
_PLACEHOLDER = re.compile(r"\{\{(base|site:([A-Za-z0-9_.-]+))\}\}")
_NOT_FOUND = (
    b"<!doctype html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the server answered."""

    site: str
    method: str
    path: str  # path with query string, as requested
    status: int
    headers: dict[str, str]  # request headers
    time: float  # wall-clock seconds since the epoch when the response was ready


@dataclass(frozen=True, slots=True)
class Response:
    """What one request is answered with."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class SiteServer:
    """Serves every site folder under ``root`` on 127.0.0.1, each on its own free port.

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(self, root: Path, host: str = "127.0.0.1") -> None:
        self.root = Path(root)
        self.host = host
        self.sites: list[str] = sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
        )
        if not self.sites:
            raise ValueError(f"no site folders under {self.root}")
        self._servers: dict[str, _SiteHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()

    def start(self) -> SiteServer:
        """Bind every site to a free port and start serving; returns self."""
        if self._servers:
            return self
        for site in self.sites:
            self._servers[site] = _SiteHTTPServer((self.host, 0), self, site)
        for site, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"siteserver-{site}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close every listening socket and open connection."""
        for server in self._servers.values():
            server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def base_url(self, site: str) -> str:
        """``http://HOST:PORT`` of a running site (no trailing slash)."""
        try:
            server = self._servers[site]
        except KeyError:
            raise KeyError(f"site {site!r} is not being served (sites: {self.sites})") from None
        return f"http://{self.host}:{server.server_address[1]}"

    def site_dir(self, site: str) -> Path:
        """The folder a site's files are served from."""
        return self.root / site

    def request_log(self) -> list[RequestRecord]:
        """A copy of every request answered so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self._log.clear()

    def record(self, entry: RequestRecord) -> None:
        """Append one answered request to the log (called by the handlers' threads)."""
        with self._lock:
            self._log.append(entry)

    def respond(self, site: str, method: str, target: str, headers: dict[str, str]) -> Response:
        """The response to ``method target`` on ``site``; reads the files now."""
        path = unquote(urlsplit(target).path) or "/"
        site_dir = self.site_dir(site)
        routes = _load_routes(site_dir)
        redirect = routes.get("redirects", {}).get(path)
        if redirect is not None:
            to, status = (
                (redirect, 301)
                if isinstance(redirect, str)
                else (redirect["to"], int(redirect.get("status", 301)))
            )
            return Response(status, headers=(("Location", self._substitute(to, site)),))
        if path in routes.get("status", {}):
            return Response(int(routes["status"][path]), _NOT_FOUND, _html_type())
        file = _resolve(site_dir, path)
        if file is None:
            return self._not_found(site_dir, site)
        if file.is_dir():
            parts = urlsplit(target)
            query = f"?{parts.query}" if parts.query else ""
            return Response(301, headers=(("Location", f"{parts.path}/{query}"),))
        return self._file_response(file, site, method, headers)

    def _file_response(
        self, file: Path, site: str, method: str, headers: dict[str, str]
    ) -> Response:
        body = file.read_bytes()
        suffix = file.suffix.lower()
        if suffix in _TEXT_SUFFIXES:
            body = self._substitute(body.decode("utf-8"), site).encode("utf-8")
        mtime = int(file.stat().st_mtime)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        validators = (("ETag", etag), ("Last-Modified", email.utils.formatdate(mtime, usegmt=True)))
        if _not_modified(headers, etag, mtime):
            return Response(304, headers=validators)
        content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(file.name)[0]
        return Response(
            200, body, (("Content-Type", content_type or "application/octet-stream"), *validators)
        )

    def _not_found(self, site_dir: Path, site: str) -> Response:
        page = site_dir / "404.html"
        body = (
            self._substitute(page.read_text("utf-8"), site).encode()
            if page.is_file()
            else _NOT_FOUND
        )
        return Response(404, body, _html_type())

    def _substitute(self, text: str, site: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return self.base_url(match.group(2) or site)

        return _PLACEHOLDER.sub(replace, text)


class _SiteHTTPServer(ThreadingHTTPServer):
    """One site's listening socket; remembers open connections so ``stop`` can close them."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: SiteServer, site: str) -> None:
        super().__init__(address, _Handler)
        self.owner = owner
        self.site = site
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Shut down every connection still open (idle keep-alive ones included)."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the owning ``SiteServer``; logs each request there."""

    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "news-fixture-server/1"
    timeout = 30

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        headers = {k: v for k, v in self.headers.items()}
        owner = self.server.owner
        try:
            response = owner.respond(self.server.site, self.command, self.path, headers)
        except (OSError, KeyError, ValueError) as exc:
            response = Response(500, f"server error: {exc}\n".encode(), _text_type())
        # Logged before the response goes out, so a client that has its answer sees it logged.
        owner.record(
            RequestRecord(
                self.server.site, self.command, self.path, response.status, headers, time.time()
            )
        )
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the request log replaces the stderr access log."""


def _resolve(site_dir: Path, path: str) -> Path | None:
    """The file (or bare directory) a URL path names inside ``site_dir``; None if not served."""
    parts = [p for p in path.split("/") if p]
    if any(p in {".", ".."} or p.startswith(("_", ".")) for p in parts):
        return None
    if len(parts) == 1 and parts[0] in PRIVATE_FILES:
        return None
    target = site_dir.joinpath(*parts)
    if path.endswith("/"):
        return next((target / n for n in INDEX_FILES if (target / n).is_file()), None)
    if target.is_file() or target.is_dir():
        return target
    clean = target.with_name(target.name + ".html")
    return clean if clean.is_file() else None


def _not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
    """Whether the request's validators match (If-None-Match wins over If-Modified-Since)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if_none_match = lowered.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = lowered.get("if-modified-since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return mtime <= since
    return False


def _load_routes(site_dir: Path) -> dict[str, dict[str, Any]]:
    file = site_dir / "_routes.json"
    if not file.is_file():
        return {}
    routes: dict[str, dict[str, Any]] = json.loads(file.read_text("utf-8"))
    return routes


def _html_type() -> tuple[tuple[str, str], ...]:
    return (("Content-Type", CONTENT_TYPES[".html"]),)


def _text_type() -> tuple[tuple[str, str], ...]:
    return (("Content-Type", CONTENT_TYPES[".txt"]),)


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.siteserver ROOT``: serve the sites until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m crawler.siteserver", description=__doc__)
    parser.add_argument("root", type=Path, help="folder whose subfolders are sites")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    with SiteServer(args.root, args.host) as server:
        for site in server.sites:
            print(f"{site:<16} {server.base_url(site)}/", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
