"""Sitemaps and feeds read safely: entries, dates, gzip, and documents that are refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spiders.xmldocs import Entry, UnreadableXml, parse_date, read_entries, xml_body

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://paper.example/a</loc><lastmod>2024-05-01</lastmod>
    <news:news><news:publication_date>2024-05-03T10:00:00+02:00</news:publication_date></news:news>
  </url>
  <url><loc>/b</loc><lastmod>2024-05-01T10:00Z</lastmod></url>
  <url><loc>https://paper.example/c</loc></url>
</urlset>"""


def entries(
    body: bytes, base: str = "https://paper.example/sitemap.xml"
) -> tuple[str, list[Entry]]:
    kind, found = read_entries(body, base)
    return kind, list(found)


def test_news_sitemap_prefers_the_publication_date_and_resolves_relative_locs() -> None:
    kind, found = entries(NEWS_SITEMAP)
    assert kind == "urlset"
    assert found == [
        Entry(
            "https://paper.example/a", datetime(2024, 5, 3, 10, tzinfo=timezone(timedelta(hours=2)))
        ),
        Entry("https://paper.example/b", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        Entry("https://paper.example/c", None),
    ]


def test_gzipped_sitemap_is_unzipped_within_the_cap() -> None:
    packed = gzip.compress(NEWS_SITEMAP)
    assert xml_body(packed, 10_000) == NEWS_SITEMAP
    with pytest.raises(UnreadableXml, match="too_large"):
        xml_body(packed, 100)
    with pytest.raises(UnreadableXml, match="bad_gzip"):
        xml_body(packed[:20] + b"garbage" * 10, 10_000)


def test_rss_item_link_guid_and_pubdate() -> None:
    rss = b"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <link>https://paper.example/</link>
      <item><link>https://paper.example/a</link><pubDate>Tue, 14 May 2024 08:00:00 GMT</pubDate>
        <dc:creator>Someone Else</dc:creator></item>
      <item><guid isPermaLink="false">id-1</guid><guid>https://paper.example/b</guid></item>
    </channel></rss>"""
    assert entries(rss) == (
        "rss",
        [
            Entry("https://paper.example/a", datetime(2024, 5, 14, 8, tzinfo=UTC)),
            Entry("https://paper.example/b", None),
        ],
    )


def test_atom_entry_alternate_link_and_published_date() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://paper.example/"/>
      <entry><link rel="self" href="https://paper.example/self"/>
        <link href="https://paper.example/e1"/>
        <updated>2024-01-02T00:00:00Z</updated><published>2023-12-31T00:00:00Z</published>
      </entry></feed>"""
    assert entries(atom) == (
        "feed",
        [Entry("https://paper.example/e1", datetime(2023, 12, 31, tzinfo=UTC))],
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<urlset><url><loc>&b;</loc></url></urlset>",
            "xml_entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<urlset><url><loc>&x;</loc></url></urlset>",
            "xml_entities",
        ),
        (b"<html><body><a href='/a'>a</a></body></html>", "unknown_root"),
        (b"not xml at all", "not_xml"),
        (b"", "not_xml"),
    ],
)
def test_refused_documents(document: bytes, reason: str) -> None:
    with pytest.raises(UnreadableXml) as refused:
        read_entries(document, "https://paper.example/")
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-03", datetime(2024, 5, 3, tzinfo=UTC)),
        ("2024-05-03T10:00:00Z", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("Fri, 03 May 2024 10:00:00 +0000", datetime(2024, 5, 3, 10, tzinfo=UTC)),
        ("yesterday", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected
