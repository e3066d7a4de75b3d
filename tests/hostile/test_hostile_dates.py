"""Dates against a frozen clock: relative dates across DST, ambiguous and partial dates,
dates from the future, and hostile date-like text that must stay cheap to read."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from crawler.extraction import ExtractionOptions, extract_article
from tests.hostile.pages import TEXTS

#: Ten hours after Europe's 2026 switch to summer time (01:00 UTC on 29 March).
FETCHED = datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
URL = "http://news.example/story/harbour-pier"


def _article(date_html: str, head: str = "", options: ExtractionOptions | None = None):
    paragraphs = "".join(f"<p>{p}</p>" for p in TEXTS["en"] * 2)
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour pier'
        f'</title>{head}</head><body><article><h1>Harbour pier</h1><p class="byline">By Jane '
        f"Roe</p>{date_html}{paragraphs}</article></body></html>"
    )
    return extract_article(html.encode(), URL, FETCHED, options, content_type="text/html")


@pytest.mark.parametrize("zone", [None, "Europe/Paris", "America/New_York"])
def test_relative_dates_count_back_from_the_fetch_across_dst(zone):
    options = ExtractionOptions(timezone=zone)
    article = _article('<span class="date">Published 12 hours ago</span>', options=options)
    assert article.published_at == FETCHED - timedelta(hours=12)


def test_an_ambiguous_numeric_date_follows_the_source_locale_dmy():
    options = ExtractionOptions(date_order="DMY")
    article = _article('<span class="date">Published 01/02/2024</span>', options=options)
    assert article.published_at is not None and article.published_at.date().isoformat() == (
        "2024-02-01"
    )


def test_an_ambiguous_numeric_date_follows_the_source_locale_mdy():
    options = ExtractionOptions(date_order="MDY")
    article = _article('<span class="date">Published 01/02/2024</span>', options=options)
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2024-01-02"


def test_an_ambiguous_numeric_date_without_a_locale_stays_null_and_flagged():
    article = _article('<span class="date">Published 01/02/2024</span>')
    assert article.published_at is None and "date_ambiguous" in article.flags


def test_a_bare_month_invents_no_date():
    assert _article('<span class="date">Published in May</span>').published_at is None


@pytest.mark.parametrize("text", ["May 2024", "2024"])
def test_a_month_or_a_bare_year_invents_no_day(text):
    assert _article(f'<span class="date">Published {text}</span>').published_at is None


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2027-05-01T10:00:00Z">',
        '<meta property="article:published_time" content="2026-03-30T23:00:00Z">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour '
        'pier", "datePublished": "2031-01-01T00:00:00Z"}</script>',
    ],
)
def test_no_date_after_the_fetch_plus_one_day(head):
    published = _article("", head=head).published_at
    assert published is None or published <= FETCHED + timedelta(days=1)


@pytest.mark.parametrize(
    "noise",
    [
        "?" * 20_000,
        "1/2 " * 5_000,
        "12:30 pm " * 3_000,
        "Tuesday June 4 " * 2_000,
        "Monday May 3 " * 2_000,
    ],
)
def test_hostile_date_like_text_stays_cheap(noise):
    started = time.monotonic()
    _article(f'<span class="date">{noise}</span><p>{noise}</p>')
    assert time.monotonic() - started < 2.0
