"""The absolute http(s) links of a page, for the spiders to follow without parsing it again."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html

#: An absolute http(s) URL with a plain host, which needs no resolving (the common case).
_PLAIN_ABSOLUTE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?]|$)[^\s\\]*$")


def page_links(tree: lxml.html.HtmlElement, url: str) -> tuple[str, ...]:
    """Absolute http(s) ``<a href>`` targets in page order, fragments removed, no duplicates.

    Relative links resolve against ``<base href>`` when the page has one, else ``url``.
    """
    base = url
    for element in tree.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            base = _join(url, href) or url
            break
    seen: dict[str, None] = {}
    for element in tree.iter("a", "area"):
        href = element.get("href")
        if not href:
            continue
        link = _join(base, href.strip())
        if link and link not in seen:
            seen[link] = None
    return tuple(seen)


def _join(base: str, href: str) -> str | None:
    if _PLAIN_ABSOLUTE.match(href) and "#" not in href:
        return href
    try:
        link = urldefrag(urljoin(base, href)).url
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return link
