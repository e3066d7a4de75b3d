"""A forwarding HTTP proxy on loopback whose own DNS points ``.test`` names inside.

It stands in for a real proxy: it takes ``GET http://host:port/path`` requests, resolves the
host itself (``fake_dns.ANSWERS``, or the literal address), connects there and relays the
answer. So a crawler that sends it a name without checking that name reaches whatever
internal address the proxy's DNS gives.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.hostile.fake_dns import ANSWERS
from tests.hostile.server import Canary, read_head


@dataclass
class ForwardingProxy(Canary):
    """A plain-HTTP forwarding proxy; ``requested`` lists each absolute URL it was asked for."""

    host: str = "127.0.0.1"
    requested: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _answer(self, sock: socket.socket) -> None:
        threading.Thread(target=self._forward, args=(sock,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        client.settimeout(10)
        with contextlib.closing(client), contextlib.suppress(OSError):
            head = read_head(client)
            if head is None:
                return
            method, target = head.decode("latin-1").split(" ")[:2]
            self.requested.append(target)
            parts = urlsplit(target)
            address = ANSWERS.get(parts.hostname or "", parts.hostname or "")
            request = f"{method} {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            try:
                upstream = socket.create_connection((address, parts.port or 80), timeout=5)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with contextlib.closing(upstream):
                upstream.sendall(f"{request}Connection: close\r\n\r\n".encode("latin-1"))
                while chunk := upstream.recv(65536):
                    client.sendall(chunk)
