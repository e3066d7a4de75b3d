"""A test DNS resolver: host names under ``.test`` resolve to loopback and private addresses.

Installed in a test crawl with ``TWISTED_DNS_RESOLVER``, it stands in for a hostile DNS
server that points an innocent-looking name at an internal address.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

#: name -> the address a hostile DNS server would answer with
ANSWERS = {
    "canary.test": "127.0.0.2",
    "metadata.test": "169.254.169.254",
    "internal.test": "10.1.2.3",
    "v6canary.test": "::1",
}


@implementer(IHostnameResolver)
class HostileTestResolver:
    """Answers ``ANSWERS`` itself and passes every other name to the reactor's resolver."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.original = reactor.nameResolver

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> HostileTestResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(  # noqa: N802
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Any = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IResolutionReceiver:
        answer = ANSWERS.get(hostName.lower())
        if answer is None:
            return self.original.resolveHostName(
                resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics
            )
        resolutionReceiver.resolutionBegan(None)
        address_class = IPv6Address if ":" in answer else IPv4Address
        resolutionReceiver.addressResolved(address_class("TCP", answer, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolutionReceiver
