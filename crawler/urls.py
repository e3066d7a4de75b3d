"""URL identity: canonical form, tracking-parameter removal, site of a URL, and database keys."""

from __future__ import annotations

import hashlib
import ipaddress
from functools import cache, lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from tldextract import TLDExtract
from w3lib.url import canonicalize_url as w3lib_canonicalize_url

#: Query parameters that only track the visit; removed from canonical URLs.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "mkt_tok", "_ga", "_gl", "_hsenc", "_hsmi", "ocid", "cmpid",
        "s_cid", "ncid", "ito", "spm", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
        "wickedid", "__twitter_impression", "ref_src", "ref_url", "cmp", "smid", "sr_share",
    }
)  # fmt: skip
#: Prefixes of tracking parameters (``utm_source``, ``mc_cid``, ``pk_campaign``, ...).
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "at_", "ga_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Longest URL (in UTF-8 bytes) used as its own database key; longer ones are hashed.
MAX_KEY_BYTES = 500


def is_tracking_param(name: str) -> bool:
    """True for query parameters that identify a campaign or click, not content."""
    name = unquote(name).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """The URL in the one form used to recognise a page again.

    Lowercase scheme and host, no default port, no fragment, no tracking parameters,
    query sorted, percent-encoding normalized, dot segments resolved, empty path as ``/``.
    Non-http(s) URLs are returned stripped and otherwise unchanged.
    """
    return _canonical(url.strip())


@lru_cache(maxsize=1024)
def _canonical(url: str) -> str:
    """`canonicalize_url` of a stripped URL; remembered for the last 1,024 URLs, since the
    frontier, the incremental check, the pipelines and storage each ask for a page's."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return url
    normalized = urlsplit(w3lib_canonicalize_url(url, keep_fragments=False))
    host = normalized.hostname.rstrip(".") if normalized.hostname else ""
    if ":" in host:
        host = f"[{host}]"
    port = normalized.port
    netloc = host if port in (None, _DEFAULT_PORTS[normalized.scheme]) else f"{host}:{port}"
    if normalized.username or normalized.password:
        netloc = normalized.netloc.rsplit("@", 1)[0] + "@" + netloc
    query = "&".join(
        pair
        for pair in normalized.query.split("&")
        if pair and not is_tracking_param(pair.split("=", 1)[0])
    )
    return urlunsplit((normalized.scheme, netloc, normalized.path or "/", query, ""))


@cache
def _suffixes() -> TLDExtract:
    """The public-suffix list bundled with tldextract (never fetched from the network)."""
    return TLDExtract(cache_dir=None, suffix_list_urls=())


def site_of(url: str) -> str:
    """The site a URL belongs to: its registered domain (``bbc.co.uk`` for ``www.bbc.co.uk``).

    Hosts without a public suffix (IP addresses, ``localhost``) keep their port, so local
    test sites on different ports are different sites.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return ""
    registered = "" if _is_ip(host) else _suffixes()(host).top_domain_under_public_suffix
    if registered:
        return registered
    try:
        port = parts.port
    except ValueError:
        port = None
    return host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"


def same_site(a: str, b: str) -> bool:
    """True when both URLs belong to the same (non-empty) site."""
    site = site_of(a)
    return bool(site) and site == site_of(b)


def url_key(url: str) -> str:
    """The database key of a URL: the URL itself, or ``sha1:<hex>`` when it is very long."""
    encoded = url.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_KEY_BYTES:
        return url
    return "sha1:" + hashlib.sha1(encoded).hexdigest()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
