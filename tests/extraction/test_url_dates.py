"""The day a URL's path names, and the URL as the last date layer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import lxml.html
import pytest

from crawler.extraction.dates import DateContext
from crawler.extraction.metadata import extract_metadata
from crawler.extraction.options import ExtractionOptions
from crawler.extraction.url_dates import url_date, url_day

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CONTEXT = DateContext(FETCHED, ("de", "en"))


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://news.example.com/2019/05/14/story/", date(2019, 5, 14)),
        ("https://news.example.com/world/2019/5/4/story", date(2019, 5, 4)),
        ("https://paper.example.co.uk/education/2020/oct/02/halls-too-full", date(2020, 10, 2)),
        ("https://blog.example.com/2021-10-29-ten-years-of-it", date(2021, 10, 29)),
        ("https://charity.example.de/media-news/meldungen/29-10-2021", date(2021, 10, 29)),
        ("https://charity.example.de/meldungen/29.10.2021/", date(2021, 10, 29)),
    ],
)
def test_a_full_day_in_the_path(url: str, day: date) -> None:
    parsed = url_date(url, CONTEXT)
    assert parsed is not None
    assert parsed.value.date() == day
    assert parsed.tz == "assumed-UTC"
    assert parsed.raw in url


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/2019/05/story/",  # a month is not a day
        "https://news.example.com/archive/2019/",
        "https://news.example.com/meldungen/03-04-2021",  # 3 April or 4 March
        "https://news.example.com/2019/13/14/story/",  # no 13th month
        "https://news.example.com/story?date=2019-05-14",  # not in the path
        "https://news.example.com/item/12345678/2019-05-14x",
        "https://news.example.com/2031/05/14/future/",  # after the fetch time
        "https://news.example.com/1990/05/14/before-the-web/",
    ],
)
def test_no_day_without_a_full_unambiguous_one_in_the_path(url: str) -> None:
    assert url_date(url, CONTEXT) is None


def test_a_source_date_order_reads_an_ambiguous_path_date() -> None:
    context = DateContext(FETCHED, ("de",), date_order="DMY")
    parsed = url_date("https://news.example.com/meldungen/03-04-2021", context)
    assert parsed is not None and parsed.value.date() == date(2021, 4, 3)


def test_url_day_is_the_year_month_day_form_only() -> None:
    assert url_day("https://news.example.com/2020/oct/02/x") == date(2020, 10, 2)
    assert url_day("https://charity.example.de/meldungen/29-10-2021") is None


def _published(html: str, url: str) -> tuple[str | None, str | None]:
    tree = lxml.html.document_fromstring(html)
    meta = extract_metadata(tree, url, FETCHED, ExtractionOptions())
    day = meta.published.value.date().isoformat() if meta.published else None
    return day, meta.provenance.get("published_at")


PARAGRAPH = "<p>" + "Die Polizei informiert mit vielen Aktionen über Einbruchschutz. " * 5 + "</p>"


def test_the_url_is_the_last_date_layer() -> None:
    # a Drupal press page: no date anywhere but its path; the footer's year is no day
    html = (
        '<html lang="de"><head><link rel="canonical" href="/media-news/meldungen/29-10-2021">'
        "</head><body><h1>Erfolgsgeschichte</h1>"
        + PARAGRAPH
        + "<footer>© 2021</footer></body></html>"
    )
    assert _published(html, "https://charity.example.de/media-news/meldungen/29-10-2021") == (
        "2021-10-29",
        "url",
    )
    # a syndicated copy whose canonical URL names the day
    canonical = "https://paper.example.co.uk/education/2020/oct/02/halls"
    syndicated = html.replace("/media-news/meldungen/29-10-2021", canonical)
    assert _published(syndicated, "https://portal.example.com/news/ar-BB19DUqK") == (
        "2020-10-02",
        "url",
    )


def test_a_printed_date_comes_before_the_url() -> None:
    html = (
        '<html lang="de"><body><h1>Erfolgsgeschichte</h1><p>28. Oktober 2021</p>'
        + PARAGRAPH
        + "</body></html>"
    )
    assert _published(html, "https://charity.example.de/meldungen/29-10-2021") == (
        "2021-10-28",
        "visible-text",
    )


@pytest.mark.parametrize(
    "body",
    [
        # the only date is the modified stamp of the URL's day: modified is never published
        '<p class="meta">Updated: October 29, 2021</p>',
        # an ambiguous dateline stays null (and flagged), not replaced by the URL
        "<p>By Jane Doe | 01/02/2021</p>",
    ],
)
def test_the_url_day_is_not_taken_over_a_modified_or_ambiguous_dateline(body: str) -> None:
    html = f'<html lang="en"><body><h1>Ten years</h1>{body}{PARAGRAPH}</body></html>'
    assert _published(html, "https://charity.example.de/meldungen/2021/10/29/ten-years") == (
        None,
        None,
    )


def test_an_ambiguous_dateline_is_read_the_way_the_url_day_reads_it() -> None:
    # an en-GB portal copy: "02/10/2020" under the headline, the source's URL in canonical
    html = (
        '<html><head><link rel="canonical" href="https://paper.example.co.uk/education/2020/oct/'
        '02/halls"></head><body><h1>Halls too full</h1><span class="time">02/10/2020</span>'
        + PARAGRAPH
        + "</body></html>"
    )
    assert _published(html, "https://portal.example.com/news/ar-BB19DUqK") == (
        "2020-10-02",
        "visible-text",
    )
