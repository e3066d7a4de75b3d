"""A hostile HTTP server on a loopback address: raw sockets, one thread per connection.

Modelled on Scrapy's own test mock server, but written on raw sockets so that a route can
misbehave below HTTP (stall mid-header, reset the connection, lie about lengths). Every
connection is recorded as a ``Hit`` with the time it opened and closed, so tests can assert
how long the crawler kept a hostile connection open and how often it came back.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

#: Longest request head the server reads before giving up on a client.
MAX_HEAD = 64 * 1024
#: No handler thread lives longer than this, whatever the client does.
HANDLER_LIFETIME = 120.0


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    peer: str
    proxied: bool
    opened: float
    closed: float | None = None

    @property
    def duration(self) -> float:
        """Seconds from accept to close (up to now if still open)."""
        return (self.closed or time.monotonic()) - self.opened


@dataclass
class Exchange:
    """A request being answered: the socket, the parsed request and the server."""

    sock: socket.socket
    hit: Hit
    server: HostileServer

    @property
    def path(self) -> str:
        return self.hit.path

    def arg(self, name: str, default: str = "") -> str:
        """A query-string argument."""
        return self.hit.query.get(name, [default])[0]

    def raw(self, data: bytes) -> bool:
        """Send bytes; False once the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> bool:
        """Send a complete response with a correct Content-Length."""
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        all_headers.update(headers or {})
        return self.raw(head(status, all_headers) + body)

    def drip(self, data: bytes, interval: float, limit: float = HANDLER_LIFETIME) -> None:
        """Send ``data`` one byte every ``interval`` seconds, repeating, until the client goes."""
        deadline = time.monotonic() + limit
        i = 0
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            if not self.raw(data[i % len(data) : i % len(data) + 1]):
                return
            i += 1
            self.server.stopping.wait(interval)

    def flood(self, chunk: bytes, limit: float = HANDLER_LIFETIME) -> None:
        """Send ``chunk`` again and again as fast as the client reads, until it goes."""
        deadline = time.monotonic() + limit
        self.sock.settimeout(5)
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            if not self.raw(chunk):
                return

    def wait_closed(self, limit: float = HANDLER_LIFETIME) -> None:
        """Send nothing more; return when the client closes (or the limit passes)."""
        deadline = time.monotonic() + limit
        self.sock.settimeout(0.2)
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            try:
                if not self.sock.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Route = Callable[[Exchange], None]


def head(status: int, headers: dict[str, str], reason: str = "X") -> bytes:
    """A response head: status line and headers, ending with the blank line."""
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_head(sock: socket.socket) -> bytes | None:
    """The request head, or None when the client sent nothing usable."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            return None
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data.split(b"\r\n\r\n", 1)[0]


@dataclass
class HostileServer:
    """A threaded raw-socket HTTP server whose routes misbehave on purpose.

    ``routes`` maps a path prefix to a handler; the longest matching prefix answers.
    ``pages`` holds static answers registered by a test: path -> (status, headers, body).
    """

    routes: dict[str, Route]
    host: str = "127.0.0.1"
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    _listener: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _open: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> HostileServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(256)
        listener.settimeout(0.2)
        self._listener = listener
        thread = threading.Thread(target=self._accept_loop, daemon=True, name="hostile-accept")
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._listener:
            self._listener.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def page(
        self,
        path: str,
        body: str | bytes,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Register a static answer for ``path``; returns its absolute URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": "text/html; charset=utf-8"}
        all_headers.update(headers or {})
        self.pages[path] = (status, all_headers, data)
        return self.url(path)

    def count(self, key: str) -> int:
        """Increment and return a named counter (for routes that change over time)."""
        with self._lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]

    def hits_for(self, prefix: str) -> list[Hit]:
        """Every request whose path starts with ``prefix``, in arrival order."""
        with self._lock:
            return [hit for hit in self.hits if hit.path.startswith(prefix)]

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self.stopping.is_set():
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(
                target=self._serve, args=(sock, peer), daemon=True, name="hostile-conn"
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
                self._open.add(sock)
            thread.start()

    def _serve(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        opened = time.monotonic()
        sock.settimeout(10)
        hit: Hit | None = None
        try:
            raw = read_head(sock)
            if raw is None:
                return
            hit = self._parse(raw, peer, opened)
            with self._lock:
                self.hits.append(hit)
            self._dispatch(Exchange(sock, hit, self))
        except OSError:
            pass
        finally:
            if hit is not None:
                hit.closed = time.monotonic()
            with self._lock:
                self._open.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()

    @staticmethod
    def _parse(raw: bytes, peer: tuple[str, int], opened: float) -> Hit:
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        target = parts[1] if len(parts) > 1 else "/"
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        split = urlsplit(target)
        return Hit(
            path=split.path or "/",
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            peer=peer[0],
            proxied=bool(split.scheme),
            opened=opened,
        )

    def _dispatch(self, exchange: Exchange) -> None:
        path = exchange.path
        if path in self.pages:
            status, headers, body = self.pages[path]
            exchange.send(status, body, headers, headers.get("Content-Type", "text/html"))
            return
        matches = [prefix for prefix in self.routes if path.startswith(prefix)]
        if not matches:
            exchange.send(404, b"<html><body>not found</body></html>")
            return
        self.routes[max(matches, key=len)](exchange)


@dataclass
class Canary:
    """A listener on another loopback address that only counts connections reaching it."""

    host: str
    connections: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    _listener: socket.socket | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Canary:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self._thread = threading.Thread(target=self._loop, daemon=True, name="canary")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self._listener:
            self._listener.close()

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    def _loop(self) -> None:
        assert self._listener is not None
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._answer(sock)

    def _answer(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ncanary")
        sock.close()
