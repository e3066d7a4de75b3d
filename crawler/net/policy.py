"""The address policy: which (host, address) pairs the crawler may connect to.

The hosts of the URLs the user gave (start URLs, feeds, sitemaps: the crawl's seeds, plus
``CRAWLER_SEED_HOSTS``) may have any address, because the user asked for them. Every other
host must resolve to a public address unless ``CRAWLER_ALLOW_PRIVATE`` is on. Only http and
https are ever fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.net.addresses import IPAddress, is_public, parse_ip_host

#: The only URL schemes the crawler fetches.
FETCHED_SCHEMES = frozenset({"http", "https"})


class Dropped(IgnoreRequest):
    """A request the crawler refuses; ``reason`` names the ``drop/<reason>`` counter."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class BlockedAddress(Dropped):
    """A host resolved only to addresses the policy refuses."""

    def __init__(self, host: str, addresses: Iterable[str]) -> None:
        listed = ", ".join(sorted(set(addresses))) or "no address"
        super().__init__("blocked_ip", f"{host} resolves to {listed}, which is not public")


def canonical_host(host: str) -> str:
    """A host as the policy compares it: lower-case, no brackets or trailing dot, and an IP
    literal in its standard spelling (so ``127.1`` and ``127.0.0.1`` are one host)."""
    address = parse_ip_host(host)
    if address is not None:
        return str(address)
    return host.strip().lower().strip("[]").rstrip(".")


@dataclass
class AddressPolicy:
    """Seeds and the private-address switch; ``permits`` is the one decision."""

    allow_private: bool = False
    seed_hosts: set[str] = field(default_factory=set)

    def add_seed(self, url: str) -> None:
        """Trust the host of a URL the user gave, whatever it resolves to."""
        host = urlsplit(url).hostname
        if host:
            self.seed_hosts.add(canonical_host(host))

    def is_seed(self, host: str) -> bool:
        return canonical_host(host) in self.seed_hosts

    def permits(self, host: str, address: IPAddress) -> bool:
        """May the crawler connect to ``address`` for a URL whose host is ``host``?"""
        return self.allow_private or is_public(address) or self.is_seed(host)

    def check_url(self, url: str) -> None:
        """Refuse, before any DNS lookup, a URL whose scheme is not fetched or whose host is
        an IP literal the policy refuses. Host names are checked when they are resolved."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in FETCHED_SCHEMES:
            raise Dropped("blocked_scheme", f"{parts.scheme or 'no'} scheme in {url[:200]}")
        host = parts.hostname or ""
        address = parse_ip_host(host)
        if address is not None and not self.permits(host, address):
            raise BlockedAddress(host, [str(address)])
