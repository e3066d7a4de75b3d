"""Sitemaps and feeds read safely: streamed, size-capped, no entities, no DTD, no network."""

from __future__ import annotations

import email.utils
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urljoin

import lxml.etree

#: Root element (local name) -> the element that holds one entry.
_ENTRY_ELEMENTS = {
    "sitemapindex": "sitemap",
    "urlset": "url",
    "rss": "item",
    "RDF": "item",  # RSS 1.0
    "feed": "entry",  # Atom
}


class UnreadableXml(ValueError):
    """A document that is not a sitemap or feed we read; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL a sitemap or feed lists, with its date as a hint (None when absent)."""

    url: str
    date: datetime | None = None


def xml_body(body: bytes, max_bytes: int) -> bytes:
    """The document, gunzipped (to at most ``max_bytes``) when it is gzip data."""
    if body[:3] != b"\x1f\x8b\x08":
        return body
    try:
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise UnreadableXml("bad_gzip") from exc
    if len(data) > max_bytes:
        raise UnreadableXml("too_large")
    return data


def read_entries(body: bytes, base_url: str) -> tuple[str, Iterator[Entry]]:
    """(root kind, entries): kind is ``sitemapindex``, ``urlset``, ``rss``, ``RDF`` or ``feed``.

    Entries stream out as the document is parsed; the caller must consume them before
    reading another document. Raises `UnreadableXml` (``not_xml``, ``xml_entities``,
    ``unknown_root``) before the first entry.
    """
    events = lxml.etree.iterparse(
        BytesIO(body),
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        _, root = next(events)
    except (StopIteration, lxml.etree.XMLSyntaxError) as exc:
        raise UnreadableXml("not_xml") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnreadableXml("xml_entities")
    kind = lxml.etree.QName(root).localname
    entry_name = _ENTRY_ELEMENTS.get(kind)
    if entry_name is None:
        raise UnreadableXml("unknown_root")
    return kind, _entries(events, entry_name, base_url)


def _entries(events: lxml.etree.iterparse, entry_name: str, base_url: str) -> Iterator[Entry]:
    try:
        for event, element in events:
            if event != "end" or _local(element) != entry_name:
                continue
            entry = _entry(element, base_url)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]  # keep memory flat on big sitemaps
            if entry is not None:
                yield entry
    except lxml.etree.XMLSyntaxError:
        return


def _entry(element: lxml.etree._Element, base_url: str) -> Entry | None:
    """The URL and date of one ``<url>``, ``<sitemap>``, ``<item>`` or ``<entry>``."""
    values: dict[str, str] = {}
    link = None
    for child in element.iter():
        name = _local(child)
        text = (child.text or "").strip()
        if name == "link" and child.get("href"):  # Atom
            if child.get("rel", "alternate") == "alternate" and link is None:
                link = child.get("href", "").strip()
        elif name == "guid" and child.get("isPermaLink", "true").lower() == "false":
            continue
        elif text and name not in values:
            values[name] = text
    url = link or values.get("loc") or values.get("link") or values.get("guid")
    if not url:
        return None
    for name in ("publication_date", "published", "pubDate", "date", "issued", "lastmod"):
        if name in values:
            date = parse_date(values[name])
            break
    else:
        date = parse_date(values["updated"]) if "updated" in values else None
    return Entry(urljoin(base_url, url), date)


def parse_date(text: str) -> datetime | None:
    """A W3C/ISO 8601 or RFC 822 date as an aware datetime (naive = UTC); None if unreadable."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _local(element: lxml.etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
