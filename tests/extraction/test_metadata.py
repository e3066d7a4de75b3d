"""Metadata layers on small pages: JSON-LD, meta tags, trafilatura's fields, visible text."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction.metadata import Metadata, extract_metadata
from crawler.extraction.options import ExtractionOptions, SiteOverrides

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
URL = "https://news.example.com/2024/04/30/some-story/"


def metadata(
    html: str,
    url: str = URL,
    options: ExtractionOptions | None = None,
    trafilatura_meta: dict[str, Any] | None = None,
) -> Metadata:
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, url, FETCHED, options or ExtractionOptions(), trafilatura_meta)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


PARAGRAPH = "<p>" + "The council met on a quiet evening and argued for hours. " * 6 + "</p>"

SEED_LIKE = page(
    "<title>US In Talks To Sell Patriot Missiles To Turkey | Defense World</title>"
    '<meta property="og:site_name" content="Defense World">',
    '<div class="header"><a href="/">Home</a> <span>Wednesday, May 1, 2024</span></div>'
    '<div class="col-md-8"><div class="info"><span>Our Bureau</span><br>'
    "<span>08:36 AM, July 17, 2018</span></div>"
    "<h1>US In Talks To Sell Patriot Missiles To Turkey</h1>"
    "<h3>US In Talks To Sell Patriot Missiles To Turkey</h3>"
    + PARAGRAPH
    + "<p>On December 2, 2017 Russia and Turkey signed a loan agreement.</p></div>",
)


def test_seed_site_byline_and_date_come_from_the_visible_lines() -> None:
    meta = metadata(SEED_LIKE, url="https://www.defenseworld.net/news/22969/US_In_Talks")
    assert meta.byline == "Our Bureau"
    assert meta.authors == ("Our Bureau",)
    assert meta.published is not None
    assert meta.published.value == datetime(2018, 7, 17, 8, 36, tzinfo=UTC)
    assert meta.published.tz == "assumed-UTC"
    assert meta.published.raw == "08:36 AM, July 17, 2018"
    assert set(meta.byline_lines) == {"Our Bureau", "08:36 AM, July 17, 2018"}
    assert meta.provenance["authors"] == "visible-text"
    assert meta.provenance["published_at"] == "visible-text"
    assert meta.title == "US In Talks To Sell Patriot Missiles To Turkey"
    assert meta.site_name == "Defense World"


def test_seed_site_with_a_source_timezone_localizes_the_wall_clock() -> None:
    options = ExtractionOptions(timezone="Asia/Kolkata")
    meta = metadata(SEED_LIKE, url="https://www.defenseworld.net/n/1", options=options)
    assert meta.published is not None
    assert meta.published.tz == "source-timezone"
    assert meta.published.value.utcoffset() == timedelta(hours=5, minutes=30)
    assert (meta.published.value.hour, meta.published.value.minute) == (8, 36)


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "https://news.example.com/#website", "name": "Example News"},
        {
            "@type": "WebPage",
            "@id": URL,
            "url": URL,
            "datePublished": "2024-04-29T08:00:00+00:00",
        },
        {
            "@type": ["NewsArticle"],
            "@id": URL + "#article",
            "headline": "Council approves the budget",
            "datePublished": "2024-04-30T09:15:00+02:00",
            "dateModified": "2024-04-30T18:00:00+02:00",
            "author": [{"@id": "https://news.example.com/#/person/1"}, {"name": "Bob Roe"}],
            "publisher": {"@id": "https://news.example.com/#org"},
            "keywords": "budget, council",
            "articleSection": ["Politics"],
            "inLanguage": "en-GB",
            "articleBody": "The council approved the budget.",
            "image": {"@type": "ImageObject", "url": "/img/lead.jpg"},
        },
        {"@type": "Organization", "@id": "https://news.example.com/#org", "name": "Example News"},
        {"@type": "Person", "@id": "https://news.example.com/#/person/1", "name": "Jane Doe"},
    ],
}


def test_json_ld_graph_with_references_gives_the_article() -> None:
    meta = metadata(page(ld(YOAST_GRAPH)))
    assert meta.title == "Council approves the budget"
    assert meta.authors == ("Jane Doe", "Bob Roe")
    assert meta.published is not None
    assert meta.published.value == datetime(2024, 4, 30, 9, 15, tzinfo=UTC) + timedelta(hours=-2)
    assert meta.published.value.utcoffset() == timedelta(hours=2)
    assert meta.published.tz == "stated"
    assert meta.modified is not None and meta.modified.value.hour == 18
    assert meta.site_name == "Example News"
    assert meta.tags == ("budget", "council", "Politics")
    assert meta.language == "en"
    assert meta.image_url == "https://news.example.com/img/lead.jpg"
    assert meta.article_body == "The council approved the budget."
    assert "NewsArticle" in meta.page_types and "WebSite" in meta.page_types
    for field in ("title", "authors", "published_at", "modified_at", "site_name", "tags"):
        assert meta.provenance[field] == "json-ld", field


def test_json_ld_as_a_top_level_list_with_nested_author_objects() -> None:
    data = [
        {"@type": "BreadcrumbList", "itemListElement": []},
        {
            "@type": "ReportageNewsArticle",
            "headline": "Floods",
            "datePublished": "2024-04-30",
            "author": {"@type": "Person", "givenName": "Ana", "familyName": "Lima"},
        },
    ]
    meta = metadata(page(ld(data)))
    assert meta.authors == ("Ana Lima",)
    assert meta.published is not None and meta.published.value.date().isoformat() == "2024-04-30"


def test_broken_json_ld_is_repaired_or_salvaged_never_raised() -> None:
    trailing_comma = (
        '<script type="application/ld+json">{"@type": "Article", '
        '"datePublished": "2024-04-30T10:00:00Z", "author": {"name": "Jane Doe",},}</script>'
    )
    meta = metadata(page(trailing_comma))
    assert meta.authors == ("Jane Doe",)
    assert meta.published is not None and meta.published.value.hour == 10
    hopeless = (
        '<script type="application/ld+json">{"@type": "Article", '
        '"datePublished": "2024-04-29T07:00:00Z", "headline": "Broken" [[[</script>'
    )
    meta = metadata(page(hopeless))
    assert meta.published is not None and meta.published.value.day == 29
    assert meta.provenance["published_at"] == "json-ld"


def test_gigantic_json_ld_is_skipped_in_bounded_time() -> None:
    huge = ld({"@type": "Article", "headline": "x" * 2_000_000, "datePublished": "2024-04-30"})
    start = time.process_time()
    meta = metadata(page(huge + '<meta property="article:published_time" content="2024-04-28">'))
    assert time.process_time() - start < 1.0
    assert meta.published is not None and meta.published.value.day == 28
    assert meta.provenance["published_at"] == "meta"


def test_a_listing_does_not_take_its_teasers_dates() -> None:
    listing = {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "NewsArticle", "headline": "Teaser", "datePublished": "2024-04-01"},
        ],
    }
    meta = metadata(page(ld(listing)), url="https://news.example.com/politics/")
    assert meta.published is None
    assert meta.page_types == ("ItemList",)


META_TAGS = (
    "<title>Bridge reopens - Example News</title>"
    '<meta property="og:title" content="Bridge reopens">'
    '<meta property="og:site_name" content="Example News">'
    '<meta property="og:type" content="article">'
    '<meta property="og:image" content="/img/bridge.jpg">'
    '<meta name="description" content="The bridge is open again.">'
    '<meta property="article:published_time" content="2024-04-30T07:30:00+01:00">'
    '<meta property="article:modified_time" content="2024-04-30T09:00:00+01:00">'
    '<meta property="article:author" content="https://facebook.com/janedoe">'
    '<meta name="author" content="By Jane Doe">'
    '<meta property="article:tag" content="transport">'
    '<meta property="article:section" content="Local">'
    '<link rel="canonical" href="/2024/04/30/bridge/">'
)


def test_meta_tags_layer() -> None:
    meta = metadata(page(META_TAGS, lang="en-US"))
    assert meta.title == "Bridge reopens"
    assert meta.authors == ("Jane Doe",)
    assert meta.published is not None and meta.published.value.utcoffset() == timedelta(hours=1)
    assert meta.modified is not None and meta.modified.value.hour == 9
    assert meta.canonical_url == "https://news.example.com/2024/04/30/bridge/"
    assert meta.image_url == "https://news.example.com/img/bridge.jpg"
    assert meta.description == "The bridge is open again."
    assert meta.tags == ("transport", "Local")
    assert meta.language == "en"
    assert "article" in meta.page_types
    assert meta.provenance["published_at"] == "meta"
    assert meta.provenance["authors"] == "meta"


@pytest.mark.parametrize(
    ("tag", "day"),
    [
        ('<meta name="parsely-pub-date" content="2024-04-27T10:00:00Z">', 27),
        ('<meta name="sailthru.date" content="2024-04-26 10:00:00">', 26),
        ('<meta name="dc.date.issued" content="2024-04-25">', 25),
        ('<meta itemprop="datePublished" content="2024-04-24">', 24),
    ],
)
def test_other_publication_date_meta_names(tag: str, day: int) -> None:
    meta = metadata(page(tag))
    assert meta.published is not None and meta.published.value.day == day


def test_trafilatura_fields_are_the_third_layer() -> None:
    traf = {"author": "Jane Doe; Bob Roe", "date": "2024-04-29", "sitename": "Example"}
    body = PARAGRAPH + '<img src="/media/2024/04/29/harbour.jpg">'
    meta = metadata(page("<title>Story</title>", body), trafilatura_meta=traf)
    assert meta.authors == ("Jane Doe", "Bob Roe")
    assert meta.provenance["authors"] == "trafilatura"
    assert meta.published is not None and meta.published.value.day == 29
    assert meta.provenance["published_at"] == "trafilatura"
    with_meta = metadata(page(META_TAGS), trafilatura_meta=traf)
    assert with_meta.provenance["authors"] == "meta"


@pytest.mark.parametrize(
    ("printed", "date_order"),
    [("May 2024", None), ("Published in 2024", None), ("29/04/2024", None),
     ("04/05/2024", None), ("04/05/2024", "MDY")],
)  # fmt: skip
def test_a_trafilatura_date_the_page_does_not_print_in_full_is_dropped(
    printed: str, date_order: Any
) -> None:
    traf = {"date": "2024-05-01"}
    html = page("<title>Story</title>", f"<p>{printed}</p>{PARAGRAPH}")
    meta = metadata(html, options=ExtractionOptions(date_order=date_order), trafilatura_meta=traf)
    assert meta.published is None or (
        meta.published.value.date().isoformat() != "2024-05-01"
        and meta.provenance["published_at"] != "trafilatura"
    )


def test_with_no_date_from_any_layer_the_first_date_printed_in_the_article_is_taken() -> None:
    html = page(
        "<title>Story</title>",
        "<nav>Archive 02.03.2019</nav><h1>Story</h1><p>Aktualisiert am 05.03.2024</p>"
        "<div><b>Datum:</b> 03.11.2023</div>" + PARAGRAPH,
        lang="de",
    )
    meta = metadata(html)
    assert meta.published is not None
    assert meta.published.value.date().isoformat() == "2023-11-03"
    assert meta.provenance["published_at"] == "visible-text"


@pytest.mark.parametrize(
    ("printed", "day"), [("26 | 01 | 2022", "2022-01-26"), ("15 августа 2016", "2016-08-15")]
)
def test_the_fallback_reads_pipe_separated_and_foreign_month_dates(printed: str, day: str) -> None:
    meta = metadata(page(body=f"<h1>Story</h1><div>{printed}</div>{PARAGRAPH}"))
    assert meta.published is not None and meta.published.value.date().isoformat() == day


@pytest.mark.parametrize(
    ("printed", "date_order"),
    [("1 May 2024", None), ("1. Mai 2024", None), ("01.05.2024", None), ("01/05/2024", "DMY"),
     ("05/01/2024", "MDY"), ("2024-05-01T10:00:00", None), ("1 мая 2024", None)],
)  # fmt: skip
def test_a_trafilatura_date_the_page_prints_in_full_is_kept(printed: str, date_order: Any) -> None:
    traf = {"date": "2024-05-01"}
    html = page("<title>Story</title>", f'<div class="x">{printed}</div>{PARAGRAPH}')
    meta = metadata(html, options=ExtractionOptions(date_order=date_order), trafilatura_meta=traf)
    assert meta.published is not None and meta.published.value.date().isoformat() == "2024-05-01"


def test_site_overrides_win_over_every_layer() -> None:
    html = page(
        META_TAGS,
        '<h1>Bridge reopens</h1><div class="who">Max Muster</div>'
        '<span class="when">29.04.2024 14:00</span>' + PARAGRAPH,
    )
    options = ExtractionOptions(
        overrides=SiteOverrides(byline="//div[@class='who']", date="span.when", title="h1")
    )
    meta = metadata(html, options=options)
    assert meta.authors == ("Max Muster",)
    assert meta.published is not None
    assert meta.published.value == datetime(2024, 4, 29, 14, 0, tzinfo=UTC)
    assert meta.provenance["authors"] == "site-override"
    assert meta.provenance["published_at"] == "site-override"
    assert meta.provenance["title"] == "site-override"
    assert "Max Muster" in meta.byline_lines


def test_a_modified_date_is_never_reported_as_published() -> None:
    html = page(
        '<meta property="article:modified_time" content="2024-04-30T09:00:00Z">',
        '<h1>Bridge reopens</h1><p class="meta">Updated: April 30, 2024</p>'
        '<time class="updated" datetime="2024-04-30T09:00:00Z">30 April</time>' + PARAGRAPH,
    )
    meta = metadata(html)
    assert meta.published is None
    assert meta.modified is not None and meta.modified.value.day == 30


def test_an_ambiguous_dateline_is_null_and_flagged_unless_the_source_order_is_known() -> None:
    html = page(body="<h1>Bridge reopens</h1><p>By Jane Doe | 01/02/2024</p>" + PARAGRAPH)
    meta = metadata(html)
    assert meta.published is None
    assert "date_ambiguous" in meta.flags
    assert meta.authors == ("Jane Doe",)
    meta = metadata(html, options=ExtractionOptions(date_order="DMY"))
    assert meta.published is not None and (
        meta.published.value.month,
        meta.published.value.day,
    ) == (2, 1)
    assert meta.flags == ()


def test_an_ambiguous_meta_date_is_resolved_by_the_visible_dateline() -> None:
    html = page(
        '<meta name="date" content="11/01/2023 12:43:42">',
        "<h1>Water warning</h1><p>Erstellt am: 01.11.2023</p>" + PARAGRAPH,
        lang="de",
    )
    meta = metadata(html, trafilatura_meta={"date": "2023-01-11"})
    assert meta.published is not None
    assert meta.published.value == datetime(2023, 11, 1, 12, 43, 42, tzinfo=UTC)
    assert meta.provenance["published_at"] == "meta"
    assert meta.flags == ()


def test_a_best_layer_date_contradicted_by_two_others_gives_way() -> None:
    html = page(
        ld({"@type": "NewsArticle", "datePublished": "2023-11-03T10:25:56+00:00"})
        + '<meta property="article:published_time" content="2023-11-06T14:25:00+00:00">',
        '<h1>Advert row</h1><p class="date">6. November 2023, 15:25 Uhr</p>' + PARAGRAPH,
        lang="de",
    )
    meta = metadata(html, url="https://news.example.com/mode/advert-row/")
    assert meta.published is not None and meta.published.value.day == 6
    assert meta.provenance["published_at"] == "meta"


def test_a_utc_instant_is_shown_in_the_offset_the_page_prints() -> None:
    html = page(
        ld({"@type": "NewsArticle", "datePublished": "2023-11-09T05:30:59Z"}),
        '<h1>New mayor</h1><div class="time">PUBLISHED: <time datetime="2023-11-08 23:30:59">'
        "November 8, 2023 at 11:30 p.m.</time></div>" + PARAGRAPH,
    )
    meta = metadata(html, url="https://news.example.com/2023/11/08/new-mayor/")
    assert meta.published is not None
    assert meta.published.value == datetime(2023, 11, 9, 5, 30, 59, tzinfo=UTC)
    assert meta.published.value.utcoffset() == timedelta(hours=-6)
    assert meta.published.value.date().isoformat() == "2023-11-08"
    assert meta.provenance["published_at"] == "json-ld"


def test_an_author_that_is_only_the_publication_gives_way_to_a_named_person() -> None:
    html = page(
        ld({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example News"}})
        + '<meta property="og:site_name" content="Example News">',
        '<h1>Bridge reopens</h1><p class="byline">By Jane Doe</p>' + PARAGRAPH,
    )
    meta = metadata(html)
    assert meta.authors == ("Jane Doe",)
    assert meta.provenance["authors"] == "visible-text"
    assert meta.byline == "By Jane Doe"
    only_org = metadata(page(ld({"@type": "NewsArticle", "author": {"name": "Example News"}})))
    assert only_org.authors == ("Example News",)


def test_a_first_name_is_completed_from_another_layer() -> None:
    html = page(
        ld({"@type": "BlogPosting", "author": {"name": "Nils"}}),
        '<h1>Essay</h1><p class="author">Von Nils Pickert</p>' + PARAGRAPH,
        lang="de",
    )
    assert metadata(html).authors == ("Nils Pickert",)


def test_copyright_footers_and_comment_dates_are_not_publication_dates() -> None:
    html = page(
        body="<h1>Essay</h1>"
        + PARAGRAPH
        + '<div id="comments"><div class="comment-meta">3. Mai 2019 um 10:56</div></div>'
        + "<footer>© 2019 Example Media. Alle Rechte vorbehalten.</footer>",
        lang="de",
    )
    meta = metadata(html, url="https://news.example.com/essay/")
    assert meta.published is None
    dated = metadata(html)  # only the URL's /2024/04/30/ gives the day
    assert dated.published is not None and dated.provenance["published_at"] == "url"


def test_visible_byline_and_time_element_under_the_headline() -> None:
    html = page(
        body='<article><h1>Storm hits coast</h1><div class="meta"><span class="byline">By '
        '<a href="/a/jd">Jane Doe</a> and <a href="/a/br">Bob Roe</a></span> '
        '<time datetime="2024-04-30T06:05:00-04:00">April 30</time></div>'
        + PARAGRAPH
        + "</article>"
    )
    meta = metadata(html)
    assert meta.authors == ("Jane Doe", "Bob Roe")
    assert meta.byline == "By Jane Doe and Bob Roe"
    assert meta.published is not None
    assert meta.published.value.utcoffset() == timedelta(hours=-4)
    assert meta.published.raw == "April 30"


def test_labelled_byline_far_from_the_headline() -> None:
    html = page(
        body="<h1>Fire engines of the fifties</h1>"
        + PARAGRAPH * 3
        + "<p><strong>Autor:</strong> <a href='/p/207'>Klausmartin Friedrich</a><br>Fotos: X</p>",
        lang="de",
    )
    assert metadata(html).authors == ("Klausmartin Friedrich",)


def test_title_loses_the_site_name() -> None:
    named = '<meta property="og:site_name" content="Example News">'
    meta = metadata(page("<title>Bridge reopens | Example News</title>" + named))
    assert meta.title == "Bridge reopens"
    assert meta.provenance["title"] == "meta"
    headline = "<h1>Bridge reopens</h1>"
    assert metadata(page("<title>Example News - Bridge reopens</title>", headline)).title == (
        "Bridge reopens"
    )
    # Without the site's name or a headline to go by, a separator may be the headline's own.
    assert metadata(page("<title>Analysis: Why bridges fail</title>")).title == (
        "Analysis: Why bridges fail"
    )


def test_empty_and_odd_documents_give_empty_metadata() -> None:
    for html in ("<html></html>", "<p>just text</p>", "<html><body>" + "<div>" * 300 + "x"):
        meta = metadata(html, url="https://news.example.com/some-story/")
        assert meta.authors == () and meta.published is None


def test_the_metadata_layer_costs_a_few_milliseconds() -> None:
    body = "<h1>Long story</h1><p>By Jane Doe</p><p>April 30, 2024</p>" + PARAGRAPH * 400
    html = page(META_TAGS + ld(YOAST_GRAPH), body + "<a href='/x'>link</a>" * 500)
    tree = lxml.html.document_fromstring(html)
    extract_metadata(tree, URL, FETCHED, ExtractionOptions())  # warm up
    start = time.process_time()
    for _ in range(10):
        extract_metadata(tree, URL, FETCHED, ExtractionOptions())
    assert (time.process_time() - start) * 100 < 15  # ms per page


def test_a_first_name_is_completed_from_the_author_box_on_the_page() -> None:
    html = page(
        ld({"@type": "BlogPosting", "author": {"name": "Nils"}}),
        "<h1>Essay</h1>"
        + PARAGRAPH
        + "<p>Nils Holgersson flew with the geese.</p>"
        + '<div class="author-box"><strong>Nils Pickert</strong> writes about families.</div>',
        lang="de",
    )
    assert metadata(html).authors == ("Nils Pickert",)


_HTML_BITS = st.sampled_from(
    [
        "<h1>", "</h1>", "<p>", "</p>", "<div class='byline'>", "</div>", "<time datetime='",
        "'>", "2024-04-30T10:00:00Z", "By Jane Doe", "01/02/2024",
        "<script type='application/ld+json'>", '{"@type": "NewsArticle", "datePublished": ',
        '"2024-04-29"', "}", "</script>", "<br>", "<article>", "</article>", "&amp;",
        "Veröffentlicht am 3. Mai 2024", "<meta name='author' content='", "\u200b", "©", "<!--",
        "-->",
    ]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(_HTML_BITS | st.text(max_size=20), max_size=40))
def test_odd_markup_never_raises(parts: list[str]) -> None:
    html = "<html><body>" + "".join(parts) + "</body></html>"
    meta = metadata(html)
    if meta.published is not None:
        assert meta.published.value <= FETCHED + timedelta(days=1)
