"""Schedule maths: intervals, cron in a time zone, the grace that keeps ticks aligned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.schedule import Cron, Interval, ScheduleError, is_due, next_due, parse_schedule

T0 = datetime(2024, 3, 30, 12, 0, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("45s", 45), ("2w", 1209600)],
)
def test_intervals_parse_to_their_length(text: str, seconds: int) -> None:
    assert parse_schedule(text) == Interval(timedelta(seconds=seconds))


@pytest.mark.parametrize("text", ["*/15 * * * *", "0 6 * * 1-5", "@daily", "@hourly"])
def test_cron_expressions_parse_with_their_zone(text: str) -> None:
    assert parse_schedule(text, "Europe/Berlin") == Cron(text, "Europe/Berlin")
    assert parse_schedule(text) == Cron(text, "UTC")


@pytest.mark.parametrize("text", ["", "0m", "15 minutes", "61 * * * *", "* * *", "15x", "m15"])
def test_other_strings_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(text)


def test_a_source_that_never_ran_is_due() -> None:
    assert next_due(parse_schedule("6h"), None) is None
    assert is_due(parse_schedule("0 6 * * *"), None, T0)


def test_interval_is_due_after_its_period_less_a_small_grace() -> None:
    schedule = parse_schedule("15m")
    # grace is a tenth of the period, at most one minute: here one minute
    assert next_due(schedule, T0) == T0 + timedelta(minutes=14)
    assert not is_due(schedule, T0, T0 + timedelta(minutes=13, seconds=59))
    assert is_due(schedule, T0, T0 + timedelta(minutes=14))


def test_a_crontab_ticking_every_15_minutes_runs_a_15m_source_each_tick() -> None:
    schedule = parse_schedule("15m")
    tick = datetime(2024, 3, 30, 12, 0, tzinfo=UTC)
    last = tick + timedelta(seconds=4)  # the previous run started 4 s after its tick
    for n in range(1, 5):
        now = tick + timedelta(minutes=15 * n, seconds=1)
        assert is_due(schedule, last, now), now
        last = now + timedelta(seconds=3)


def test_short_intervals_get_a_proportionally_short_grace() -> None:
    assert next_due(parse_schedule("1m"), T0) == T0 + timedelta(seconds=54)


def test_cron_is_due_at_the_next_fire_time_after_the_last_start() -> None:
    schedule = parse_schedule("*/15 * * * *")
    assert next_due(schedule, T0) == datetime(2024, 3, 30, 12, 14, tzinfo=UTC)
    assert not is_due(schedule, T0, datetime(2024, 3, 30, 12, 13, 59, tzinfo=UTC))
    assert is_due(schedule, T0, datetime(2024, 3, 30, 12, 15, 0, tzinfo=UTC))


def test_a_run_started_just_before_its_cron_tick_does_not_run_again_just_after_it() -> None:
    schedule = parse_schedule("0 6 * * *")
    early = datetime(2024, 3, 30, 5, 59, 30, tzinfo=UTC)
    assert not is_due(schedule, early, datetime(2024, 3, 30, 6, 0, 5, tzinfo=UTC))
    assert is_due(schedule, early, datetime(2024, 3, 31, 6, 0, 0, tzinfo=UTC))


def test_cron_is_read_in_the_source_time_zone_across_a_dst_change() -> None:
    schedule = parse_schedule("0 6 * * *", "Europe/Berlin")
    saturday = datetime(2024, 3, 30, 5, 0, 10, tzinfo=UTC)  # 06:00:10 CET
    # Sunday 31 March: clocks go forward, so 06:00 Berlin is 04:00 UTC
    due = next_due(schedule, saturday)
    assert due is not None
    assert due + timedelta(minutes=1) == datetime(2024, 3, 31, 4, 0, tzinfo=UTC)


def test_naive_last_start_is_read_as_utc() -> None:
    naive = T0.replace(tzinfo=None)
    assert next_due(parse_schedule("1h"), naive) == next_due(parse_schedule("1h"), T0)
