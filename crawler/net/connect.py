"""Connections that honour the address policy: resolve, check each address, connect to it.

Twisted's ``HostnameEndpoint`` resolves a name and connects to whatever comes back. The
``GuardedEndpoint`` here resolves the name itself (through the reactor's resolver, so DNS
settings and caching still apply), drops every address the policy refuses, and connects
only to an address it has checked: a DNS answer that changes between a check and the
connection (rebinding) cannot slip a private address past it.
"""

from __future__ import annotations

import contextlib
import ipaddress
from typing import Any, cast

from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, TCP6ClientEndpoint, wrapClientTLS
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.interfaces import (
    IHostResolution,
    IProtocol,
    IProtocolFactory,
    IResolutionReceiver,
    IStreamClientEndpoint,
)
from twisted.web.client import URI
from zope.interface import implementer

from crawler.net.addresses import IPAddress, parse_ip_host
from crawler.net.policy import AddressPolicy, BlockedAddress, Dropped


@implementer(IResolutionReceiver)
class _Collector:
    """Collects resolved addresses and fires ``done`` when resolution completes."""

    def __init__(self) -> None:
        self.addresses: list[IPAddress] = []
        self.done: Deferred[list[IPAddress]] = Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802
        pass

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        with contextlib.suppress(ValueError):
            self.addresses.append(ipaddress.ip_address(address.host))

    def resolutionComplete(self) -> None:  # noqa: N802
        self.done.callback(self.addresses)


@implementer(IStreamClientEndpoint)
class GuardedEndpoint:
    """A TCP client endpoint for ``host:port`` that connects only to permitted addresses."""

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        policy: AddressPolicy,
        timeout: float = 30,
        bind_address: Any = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._policy = policy
        self._timeout = timeout
        self._bind_address = bind_address

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:  # noqa: N803
        return Deferred.fromCoroutine(self._connect(protocolFactory))

    async def _connect(self, factory: IProtocolFactory) -> IProtocol:
        addresses = await self._resolve()
        permitted = [a for a in addresses if self._policy.permits(self._host, a)]
        if not permitted:
            raise BlockedAddress(self._host, [str(a) for a in addresses])
        error: Exception = DNSLookupError(self._host)
        for address in permitted:
            endpoint_class = TCP6ClientEndpoint if address.version == 6 else TCP4ClientEndpoint
            endpoint = endpoint_class(
                self._reactor, str(address), self._port, self._timeout, self._bind_address
            )
            try:
                return await endpoint.connect(factory)
            except ConnectError as exc:
                error = exc
        raise error

    async def _resolve(self) -> list[IPAddress]:
        return await resolve(self._reactor, self._host, self._port)


async def resolve(reactor: Any, host: str, port: int) -> list[IPAddress]:
    """The addresses of ``host`` (itself when it is an IP literal), through the reactor's
    resolver; raises ``DNSLookupError`` when there are none."""
    literal = parse_ip_host(host)
    if literal is not None:
        return [literal]
    collector = _Collector()
    reactor.nameResolver.resolveHostName(collector, host, portNumber=port)
    addresses = await collector.done
    if not addresses:
        raise DNSLookupError(f"no address for {host}")
    return addresses


async def check_proxied_host(reactor: Any, policy: AddressPolicy, host: str, port: int) -> None:
    """Refuse a host a proxy would connect to when any of its addresses is refused.

    The proxy resolves the name again and may pick any address it finds, so every address
    must pass; a name that does not resolve here is not sent (``DNSLookupError``). Seeds
    and, with ``allow_private``, every host pass without a lookup.
    """
    if policy.allow_private or policy.is_seed(host):
        return
    addresses = await resolve(reactor, host, port)
    if not all(policy.permits(host, address) for address in addresses):
        raise BlockedAddress(host, [str(a) for a in addresses])


class GuardedEndpointFactory:
    """An ``IAgentEndpointFactory`` that makes the endpoints Twisted's standard factory
    makes (TCP for http, TCP + TLS for https), with a ``GuardedEndpoint`` for the TCP part.

    Built from the ``_StandardEndpointFactory`` of the agent it replaces, whose connect
    timeout, bind address and TLS policy it keeps (the agent reads ``_bindAddress``)."""

    def __init__(self, standard: Any, policy: AddressPolicy) -> None:
        self._reactor = standard._reactor
        self._tls_policy = standard._policyForHTTPS
        self._timeout: float = standard._connectTimeout or 30
        self._bindAddress = standard._bindAddress
        self._policy = policy

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:  # noqa: N802
        host = uri.host.decode("ascii")
        endpoint = cast(
            IStreamClientEndpoint,
            GuardedEndpoint(
                self._reactor, host, uri.port, self._policy, self._timeout, self._bindAddress
            ),
        )
        if uri.scheme == b"https":
            creator = self._tls_policy.creatorForNetloc(uri.host, uri.port)
            return wrapClientTLS(creator, endpoint)
        if uri.scheme == b"http":
            return endpoint
        raise Dropped("blocked_scheme", uri.toBytes().decode("ascii", "replace")[:200])
