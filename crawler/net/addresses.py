"""IP addresses as a crawler must read them: every host spelling, and which ones are public.

A URL host may spell an IPv4 address in ways browsers and ``inet_aton`` accept (``127.1``,
``2130706433``, ``0x7f000001``, ``0177.0.0.1``) or wrap one in IPv6 (``[::ffff:127.0.0.1]``);
``parse_ip_host`` reads them all the way the WHATWG URL standard does, so a check on the
parsed address cannot be dodged by spelling.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052/8215).
_EMBEDDING_V4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


def _ipv4_part(text: str) -> int | None:
    """One dotted part: decimal, ``0x`` hex or leading-zero octal; None if not a number."""
    if not text:
        return None
    base = 10
    if text[:2] in ("0x", "0X"):
        text, base = text[2:], 16
    elif len(text) > 1 and text[0] == "0":
        text, base = text[1:], 8
    if text == "":
        return 0
    try:
        return int(text, base) if text.isalnum() and text.isascii() else None
    except ValueError:
        return None


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for i, n in enumerate(values[:-1]):
        address += n << (8 * (3 - i))
    return ipaddress.IPv4Address(address)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host spells, in any encoding; None for a host name.

    >>> str(parse_ip_host("0x7f.1"))
    '127.0.0.1'
    >>> parse_ip_host("example.com") is None
    True
    """
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    last = text.rstrip(".").rsplit(".", 1)[-1]
    if not last or _ipv4_part(last) is None:
        return None
    return _parse_ipv4(text)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _EMBEDDING_V4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address (and for no address that embeds a
    private one): loopback, private, link-local (cloud metadata), CGNAT, unique-local,
    multicast, reserved and unspecified addresses are not public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if isinstance(address, ipaddress.IPv6Address) and address.teredo is not None:
        return is_public(address.teredo[1])
    return address.is_global and not (address.is_multicast or address.is_reserved)
