"""When a source is due: interval (``15m``, ``6h``, ``1h30m``) and cron schedules.

Time is an input: every function takes ``now`` (or a clock) and never reads the wall clock.
A source is due when it never ran, or when its next fire time after the last run's start
has come. A small grace (a tenth of the period, at most a minute) lets a source with
schedule ``15m`` run on every tick of a ``*/15`` crontab even though the previous run
started a few seconds after its tick.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

#: A clock: returns the current time, aware, in UTC.
Clock = Callable[[], datetime]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(r"(?:\d+[smhdw])+")
_PART = re.compile(r"(\d+)([smhdw])")
_MAX_GRACE = timedelta(minutes=1)


def system_clock() -> datetime:
    """The real clock (aware, UTC)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _grace(period: timedelta) -> timedelta:
    """How early a run may start: a tenth of the period, at most a minute."""
    return min(period / 10, _MAX_GRACE)


class ScheduleError(ValueError):
    """A schedule string that is neither an interval nor a valid cron expression."""


@dataclass(frozen=True, slots=True)
class Interval:
    """Run every ``period`` after the previous run started."""

    period: timedelta

    def due_after(self, last_start: datetime) -> datetime:
        """When a source that last started at ``last_start`` is due again."""
        return last_start + self.period - _grace(self.period)


@dataclass(frozen=True, slots=True)
class Cron:
    """Run at the fire times of a cron expression, read in ``timezone``."""

    expression: str
    timezone: str = "UTC"

    def next_fire(self, moment: datetime) -> datetime:
        """The first fire time strictly after ``moment`` (aware, UTC)."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        fire: datetime = croniter(self.expression, local).get_next(datetime)
        return fire.astimezone(UTC)

    def due_after(self, last_start: datetime) -> datetime:
        """When a source that last started at ``last_start`` is due again: the first fire
        time after the run's own (early-started) tick."""
        first = self.next_fire(last_start)
        slack = _grace(self.next_fire(first) - first)
        return self.next_fire(last_start + slack) - slack


Schedule = Interval | Cron


def parse_schedule(text: str, timezone: str | None = None) -> Schedule:
    """An interval such as ``15m``/``6h``/``1h30m``, or a cron expression (``*/15 * * * *``,
    ``@daily``) read in ``timezone`` (UTC when None); raises ``ScheduleError``."""
    text = text.strip()
    if _INTERVAL.fullmatch(text):
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
        if seconds <= 0:
            raise ScheduleError(f"interval {text!r} is zero")
        return Interval(timedelta(seconds=seconds))
    if not croniter.is_valid(text):
        raise ScheduleError(
            f"{text!r} is neither an interval (like 15m, 6h, 1d) nor a cron expression"
        )
    return Cron(text, timezone or "UTC")


def next_due(schedule: Schedule, last_start: datetime | None) -> datetime | None:
    """When the source is next due (None = due now: it never ran); a naive ``last_start``
    (as SQLite returns it) is read as UTC."""
    if last_start is None:
        return None
    return schedule.due_after(as_utc(last_start))


def is_due(schedule: Schedule, last_start: datetime | None, now: datetime) -> bool:
    """True when a source whose last run started at ``last_start`` should run at ``now``."""
    due = next_due(schedule, last_start)
    return due is None or as_utc(now) >= due
