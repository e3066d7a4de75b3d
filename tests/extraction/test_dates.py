"""Reading one date string: formats, languages, zones, relative dates and what is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction.dates import (
    AmbiguousDateError,
    DateContext,
    parse_date,
    parse_iso_date,
    read_date,
)

FETCHED = datetime(2024, 3, 31, 12, 0, tzinfo=UTC)  # the day Europe switches to summer time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:36 AM, July 17, 2018", datetime(2018, 7, 17, 8, 36, tzinfo=UTC)),
        ("July 17, 2018", datetime(2018, 7, 17, tzinfo=UTC)),
        ("17 July 2018", datetime(2018, 7, 17, tzinfo=UTC)),
        ("Tuesday, July 17th, 2018 at 8:36 pm", datetime(2018, 7, 17, 20, 36, tzinfo=UTC)),
        ("Posted on 17-Jul-2018", datetime(2018, 7, 17, tzinfo=UTC)),
        ("2018/07/17", datetime(2018, 7, 17, tzinfo=UTC)),
        ("2018-07-17", datetime(2018, 7, 17, tzinfo=UTC)),
        ("2018-07-17 08:36:00", datetime(2018, 7, 17, 8, 36, tzinfo=UTC)),
    ],
)
def test_common_formats_keep_the_printed_wall_clock_as_assumed_utc(
    text: str, expected: datetime
) -> None:
    parsed = parse_date(text, fetched_at=FETCHED)
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.tz == "assumed-UTC"
    assert parsed.raw == text


@pytest.mark.parametrize(
    ("text", "offset_minutes", "wall"),
    [
        ("2018-07-17T08:36:00+05:30", 330, (8, 36)),
        ("2018-07-17T08:36:00Z", 0, (8, 36)),
        ("2018-07-17T08:36:00.123-0400", -240, (8, 36)),
        ("Tue, 17 Jul 2018 08:36:00 +0200", 120, (8, 36)),
        ("July 17, 2018 8:36 pm EDT", -240, (20, 36)),
        ("17 July 2018 14:30 CET", 60, (14, 30)),
        ("Tuesday 17 July 2018 10.45 BST", 60, (10, 45)),
    ],
)
def test_a_stated_offset_is_kept_never_shifted(
    text: str, offset_minutes: int, wall: tuple[int, int]
) -> None:
    parsed = parse_date(text, fetched_at=FETCHED)
    assert parsed is not None
    assert parsed.tz == "stated"
    assert parsed.value.utcoffset() == timedelta(minutes=offset_minutes)
    assert (parsed.value.hour, parsed.value.minute) == wall


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17. Juli 2018", datetime(2018, 7, 17, tzinfo=UTC)),
        ("Mittwoch, 17.07.2018, 12:30 Uhr", datetime(2018, 7, 17, 12, 30, tzinfo=UTC)),
        ("3. März 2021", datetime(2021, 3, 3, tzinfo=UTC)),
        ("17 juillet 2018 à 08h36", datetime(2018, 7, 17, 8, 36, tzinfo=UTC)),
        ("1er août 2019", datetime(2019, 8, 1, tzinfo=UTC)),
        ("mardi 3 décembre 2019", datetime(2019, 12, 3, tzinfo=UTC)),
    ],
)
def test_german_and_french_month_names(text: str, expected: datetime) -> None:
    parsed = parse_date(text, fetched_at=FETCHED, languages=("de", "fr"))
    assert parsed is not None
    assert parsed.value == expected


def test_other_languages_go_through_dateparser_with_the_page_language() -> None:
    parsed = parse_date("17 lipca 2018, 12:30", fetched_at=FETCHED, languages=("pl",))
    assert parsed is not None
    assert parsed.value == datetime(2018, 7, 17, 12, 30, tzinfo=UTC)


def test_a_source_timezone_localizes_wall_clock_times() -> None:
    parsed = parse_date("July 17, 2018 08:36", fetched_at=FETCHED, timezone="Asia/Kolkata")
    assert parsed is not None
    assert parsed.tz == "source-timezone"
    assert parsed.value.utcoffset() == timedelta(hours=5, minutes=30)
    assert (parsed.value.hour, parsed.value.minute) == (8, 36)


def test_relative_hours_count_back_exactly_across_the_dst_switch() -> None:
    parsed = parse_date("3 hours ago", fetched_at=FETCHED, timezone="Europe/Berlin")
    assert parsed is not None
    assert parsed.value == FETCHED - timedelta(hours=3)
    assert parsed.value.astimezone(UTC) == datetime(2024, 3, 31, 9, 0, tzinfo=UTC)


def test_relative_days_keep_the_local_wall_clock_across_the_dst_switch() -> None:
    # 14:00 CEST on 31 March; one day earlier is 14:00 CET, only 23 hours before.
    parsed = parse_date("vor 1 Tag", fetched_at=FETCHED, timezone="Europe/Berlin")
    assert parsed is not None
    assert parsed.tz == "source-timezone"
    assert (parsed.value.day, parsed.value.hour) == (30, 14)
    assert parsed.value.utcoffset() == timedelta(hours=1)
    assert FETCHED - parsed.value == timedelta(hours=23)


@pytest.mark.parametrize(
    ("text", "languages", "day"),
    [
        ("gestern, 12:30 Uhr", ("de",), 30),
        ("hier à 18h30", ("fr",), 30),
        ("Yesterday at 5:30 pm", ("en",), 30),
        ("il y a 2 jours", ("fr",), 29),
        ("Updated: 2 days ago", ("en",), 29),
    ],
)
def test_relative_days_resolve_against_the_fetch_time(
    text: str, languages: tuple[str, ...], day: int
) -> None:
    parsed = parse_date(text, fetched_at=FETCHED, languages=languages)
    assert parsed is not None
    assert (parsed.value.year, parsed.value.month, parsed.value.day) == (2024, 3, day)


@pytest.mark.parametrize(
    "text",
    [
        "Verträge hier kündigen",  # German "hier" is "here", not French "yesterday"
        "die Sitzung vor 3 Tagen war lang",  # a sentence, not a dateline
        "3 months ago",  # no day
        "last month",
    ],
)
def test_relative_words_inside_prose_or_without_a_day_are_not_dates(text: str) -> None:
    assert parse_date(text, fetched_at=FETCHED, languages=("de", "en")) is None


@pytest.mark.parametrize(
    "text",
    ["May", "May 2019", "2019", "Juli 2018", "March 5", "© 2019", "Copyright 2019 ACME", ""],
)
def test_no_full_day_means_no_date(text: str) -> None:
    assert parse_date(text, fetched_at=FETCHED) is None


def test_dates_after_the_fetch_time_plus_a_day_are_rejected() -> None:
    assert parse_date("2024-04-01T11:00:00Z", fetched_at=FETCHED) is not None
    assert parse_date("2024-04-01T12:30:00Z", fetched_at=FETCHED) is None
    assert parse_date("12 March 2030", fetched_at=FETCHED) is None


def test_dates_before_1995_are_rejected() -> None:
    assert parse_date("1 March 1990", fetched_at=FETCHED) is None
    assert parse_date("1994-12-31", fetched_at=FETCHED) is None
    assert parse_date("1995-01-01", fetched_at=FETCHED) is not None


def test_an_ambiguous_numeric_date_is_none_without_a_date_order() -> None:
    assert parse_date("01/02/2024", fetched_at=FETCHED) is None
    with pytest.raises(AmbiguousDateError) as caught:
        read_date("01/02/2024", DateContext(FETCHED))
    days = sorted(reading.value.date().isoformat() for reading in caught.value.readings)
    assert days == ["2024-01-02", "2024-02-01"]


@pytest.mark.parametrize(("order", "month", "day"), [("DMY", 2, 1), ("MDY", 1, 2)])
def test_an_ambiguous_numeric_date_follows_the_source_date_order(
    order: str, month: int, day: int
) -> None:
    parsed = parse_date("01/02/2024", fetched_at=FETCHED, date_order=order)  # type: ignore[arg-type]
    assert parsed is not None
    assert (parsed.value.month, parsed.value.day) == (month, day)


def test_a_numeric_date_that_reads_one_way_only_is_not_ambiguous() -> None:
    parsed = parse_date("13/02/2024", fetched_at=FETCHED)
    assert parsed is not None and (parsed.value.month, parsed.value.day) == (2, 13)
    # 03/12/2024 as MDY would be 12 March; as DMY it is 3 December 2024, after the fetch.
    parsed = parse_date("03/12/2024", fetched_at=FETCHED)
    assert parsed is not None and (parsed.value.month, parsed.value.day) == (3, 12)


def test_dotted_numeric_dates_are_day_first() -> None:
    parsed = parse_date("01.02.2024", fetched_at=FETCHED)
    assert parsed is not None and (parsed.value.month, parsed.value.day) == (2, 1)


def test_non_ascii_digits_are_read_and_the_raw_string_kept() -> None:
    parsed = parse_date("২০২০-০৮-২৯", fetched_at=FETCHED)
    assert parsed is not None
    assert parsed.value.date().isoformat() == "2020-08-29"
    assert parsed.raw == "২০২০-০৮-২৯"


@pytest.mark.parametrize(
    "text", ["2019-02-30", "2019-02-28T25:00", "2019-13-01T10:00Z", "31 February 2019"]
)
def test_date_shaped_strings_naming_no_real_day_are_none(text: str) -> None:
    assert parse_date(text, fetched_at=FETCHED) is None


def test_parse_iso_date_reads_iso_only() -> None:
    parsed = parse_iso_date("2018-07-17T08:36:00+02:00", fetched_at=FETCHED)
    assert parsed is not None and parsed.value.utcoffset() == timedelta(hours=2)
    assert parse_iso_date("July 17, 2018", fetched_at=FETCHED) is None


@pytest.mark.parametrize("text", ["?" * 20_000, "1" * 20_000, "May " * 5_000, "à" * 50])
def test_hostile_candidates_are_bounded(text: str) -> None:
    start = time.process_time()
    assert parse_date(text, fetched_at=FETCHED) is None
    assert time.process_time() - start < 0.5


def test_the_fast_path_does_not_need_dateparser() -> None:
    parse_date("08:36 AM, July 17, 2018", fetched_at=FETCHED)  # warm up
    start = time.process_time()
    for _ in range(200):
        parse_date("08:36 AM, July 17, 2018", fetched_at=FETCHED)
        parse_date("2018-07-17T08:36:00+05:30", fetched_at=FETCHED)
    per_call_ms = (time.process_time() - start) * 1000 / 400
    assert per_call_ms < 0.3


def test_fetched_at_with_another_offset_is_compared_as_an_instant() -> None:
    fetched = datetime(2024, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_date("2024-04-01T20:00:00Z", fetched_at=fetched) is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_string_gives_none_or_a_bounded_aware_date(text: str) -> None:
    parsed = parse_date(text, fetched_at=FETCHED, languages=("en", "de", "fr", "es"))
    if parsed is not None:
        assert parsed.value.tzinfo is not None
        assert datetime(1995, 1, 1, tzinfo=UTC) <= parsed.value <= FETCHED + timedelta(days=1)
