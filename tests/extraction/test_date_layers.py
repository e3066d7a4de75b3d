"""Which day a page's layers agree on: the page's local day for UTC instants, generic date
tags against the dateline, and dates that are the page's modified stamp."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest

from crawler.extraction.metadata import Metadata, extract_metadata
from crawler.extraction.options import ExtractionOptions

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PARAGRAPH = "<p>" + "The council met on a quiet evening and argued for hours. " * 6 + "</p>"


def metadata(html: str, url: str, trafilatura_meta: dict[str, Any] | None = None) -> Metadata:
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, url, FETCHED, ExtractionOptions(), trafilatura_meta)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def assert_shown(
    meta: Metadata, day: str, offset_hours: int, instant: datetime | None = None
) -> None:
    """The published date falls on ``day`` at ``offset_hours`` (and is ``instant``)."""
    assert meta.published is not None
    assert meta.published.value.utcoffset() == timedelta(hours=offset_hours)
    assert meta.published.value.date().isoformat() == day
    assert instant is None or meta.published.value == instant


def test_a_printed_time_without_seconds_still_gives_the_page_offset() -> None:
    # a New York tabloid: UTC instant in JSON-LD, "February 24, 2020 | 9:25pm" under the headline
    html = page(
        ld({"@type": "NewsArticle", "datePublished": "2020-02-25T02:25:54Z"}),
        '<h1>Press secretary exits</h1><p class="byline-date">February 24, 2020 '
        '<span class="separator">|</span> 9:25pm</p>' + PARAGRAPH,
    )
    meta = metadata(html, "https://gossip.example.com/2020/02/24/press-secretary-exits/")
    assert_shown(meta, "2020-02-24", -5, datetime(2020, 2, 25, 2, 25, 54, tzinfo=UTC))


def test_the_modified_stamp_tells_the_offset_of_the_published_instant() -> None:
    # a WordPress news theme: only the "updated" line prints a local time, with its zone
    html = page(
        ld(
            {
                "@type": "NewsArticle",
                "datePublished": "2022-05-04T03:37:37+00:00",
                "dateModified": "2022-05-04T03:37:41+00:00",
            }
        ),
        "<h1>Fashion show at the school</h1>"
        '<span class="updated">Updated: 3 May, 2022, 11:37 pm -04:00</span>' + PARAGRAPH,
    )
    meta = metadata(html, "https://island.example.com/fashion-show-at-the-school/")
    assert_shown(meta, "2022-05-03", -4, datetime(2022, 5, 4, 3, 37, 37, tzinfo=UTC))
    assert meta.provenance["published_at"] == "json-ld"


def test_a_utc_instant_is_shown_on_the_day_the_dateline_prints() -> None:
    # a WordPress.com blog: article:published_time in UTC, the local day under the headline
    html = page(
        '<meta property="article:published_time" content="2018-12-31T23:11:59+00:00">',
        '<h1>Ins neue Jahr</h1><div class="entry-meta"><span class="posted-on">'
        '<a href="/2019/01/01/ins-neue-jahr/">2019-01-01</a></span></div>' + PARAGRAPH,
        lang="de",
    )
    meta = metadata(html, "https://blog.example.com/ins-neue-jahr/")
    # +01:00 is the offset nearest zero that reaches the printed day
    assert_shown(meta, "2019-01-01", 1, datetime(2018, 12, 31, 23, 11, 59, tzinfo=UTC))


def test_the_url_day_places_a_utc_instant_on_its_local_day() -> None:
    html = page(
        '<meta property="article:published_time" content="2020-02-25T02:25:54+00:00">',
        "<h1>Press secretary exits</h1>" + PARAGRAPH,
    )
    meta = metadata(html, "https://gossip.example.com/2020/02/24/press-secretary-exits/")
    assert_shown(meta, "2020-02-24", -3)


def test_a_utc_instant_stays_utc_without_a_printed_day_that_differs() -> None:
    instant = '<meta property="article:published_time" content="2018-12-31T23:11:59+00:00">'
    cases = [
        # a date-only meta tag may be the same instant cut to its UTC date: no evidence
        instant + '<meta name="pubdate" content="2019-01-01">',
        # the dateline prints the UTC day
        instant,
    ]
    bodies = ["<h1>Year end</h1>" + PARAGRAPH, "<h1>Year end</h1><p>31.12.2018</p>" + PARAGRAPH]
    for head, body in zip(cases, bodies, strict=True):
        meta = metadata(page(head, body, lang="de"), "https://blog.example.com/year-end/")
        assert_shown(meta, "2018-12-31", 0)


def test_a_printed_day_out_of_any_zone_s_reach_does_not_shift_the_instant() -> None:
    html = page(
        '<meta property="article:published_time" content="2020-02-25T12:00:00+00:00">',
        "<h1>Noon story</h1>" + PARAGRAPH,
    )
    meta = metadata(html, "https://gossip.example.com/2020/02/24/noon-story/")
    assert_shown(meta, "2020-02-25", 0, datetime(2020, 2, 25, 12, tzinfo=UTC))


# a TYPO3 press release: a plain ``date`` meta tag written by the CMS, the release's own day
# printed under the headline
PRESS_RELEASE_HEAD = (
    '<meta name="date" content="2021-10-15"><meta name="dc.date" content="2021-10-15">'
)
PRESS_RELEASE_BODY = "<h1>New president elected</h1><p class='news-date'>13.10.2021</p>" + PARAGRAPH


def test_the_dateline_outweighs_a_generic_date_tag_and_trafilatura_repeating_it() -> None:
    meta = metadata(
        page(PRESS_RELEASE_HEAD, PRESS_RELEASE_BODY, lang="de"),
        "https://charity.example.org/presse/new-president",
        trafilatura_meta={"date": "2021-10-15"},
    )
    assert meta.published is not None
    assert meta.published.value == datetime(2021, 10, 13, tzinfo=UTC)
    assert meta.provenance["published_at"] == "visible-text"


def test_a_publication_date_tag_still_outranks_the_dateline() -> None:
    head = '<meta property="article:published_time" content="2021-10-15T09:00:00+02:00">'
    meta = metadata(
        page(head, PRESS_RELEASE_BODY, lang="de"),
        "https://charity.example.org/presse/new-president",
    )
    assert meta.published is not None and meta.published.value.day == 15
    assert meta.provenance["published_at"] == "meta"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # the dateline names the modified day: it is the modified stamp
        (
            PRESS_RELEASE_HEAD + '<meta name="dcterms.modified" content="2021-10-13">',
            PRESS_RELEASE_BODY,
        ),
        # no dateline: the generic tag is still a publication date
        (PRESS_RELEASE_HEAD, "<h1>New president elected</h1>" + PARAGRAPH),
    ],
)
def test_a_generic_date_tag_stands_without_a_dateline_of_another_day(head: str, body: str) -> None:
    meta = metadata(page(head, body, lang="de"), "https://charity.example.org/presse/president")
    assert meta.published is not None and meta.published.value.day == 15
    assert meta.provenance["published_at"] == "meta"


# a ministry page (Government Site Builder): only the modified stamp in a meta tag, the
# event's press date printed in a box away from the headline
MINISTRY_HEAD = '<meta name="dcterms.modified" content="2022-01-27T18:34:20+0100">'
MINISTRY_BODY = (
    "<h1>Zukunftsforum</h1>" + PARAGRAPH + "<aside><p>Pressemitteilung</p></aside>"
    '<div class="infobox"><p>26. Jan 2022</p></div>'
)


@pytest.mark.parametrize(
    ("body", "day", "layer"),
    [
        (MINISTRY_BODY, "2022-01-26", "visible-text"),
        # nothing else printed: trafilatura's day stands
        ("<h1>Zukunftsforum</h1>" + PARAGRAPH, "2022-01-27", "trafilatura"),
    ],
)
def test_a_trafilatura_date_that_is_the_modified_day_gives_way_to_a_printed_date(
    body: str, day: str, layer: str
) -> None:
    meta = metadata(
        page(MINISTRY_HEAD, body, lang="de"),
        "https://ministry.example.de/DE/themen/zukunftsforum.html",
        trafilatura_meta={"date": "2022-01-27"},
    )
    assert meta.published is not None
    assert meta.published.value.date().isoformat() == day
    assert meta.provenance["published_at"] == layer


def test_a_date_labelled_published_away_from_the_headline_outranks_trafilatura() -> None:
    # a podcast WordPress theme: the episode's "Veröffentlicht am" line under the player
    body = (
        "<h1>RES158 Sternfusion</h1>" + PARAGRAPH * 3 + "<aside><h3>Kommentare</h3></aside>"
        '<div class="episode-meta"><p>Veröffentlicht am 16.08.2019</p></div>'
        '<div id="comments"><p class="comment-date">24.08.2019</p></div>'
    )
    meta = metadata(
        page("", body, lang="de"),
        "https://podcast.example.de/2019/res158-sternfusion/",
        trafilatura_meta={"date": "2019-08-24"},
    )
    assert meta.published is not None
    assert meta.published.value.date().isoformat() == "2019-08-16"
    assert meta.provenance["published_at"] == "visible-text"
