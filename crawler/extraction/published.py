"""Choosing one date from the layers' candidates: ambiguity, corroboration and the page's offset."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from crawler.extraction.dates import AmbiguousDateError, DateContext, ParsedDate, read_date
from crawler.extraction.url_dates import url_day
from crawler.items import Layer

#: Candidates read per layer (meta tags can list a dozen keys).
MAX_PER_LAYER = 12
#: Offsets a same-instant candidate may reveal (UTC-12 to UTC+14, in quarter hours).
_MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class DateChoice:
    """The chosen date, the layer it came from, and whether an ambiguous candidate was seen
    and left unresolved."""

    date: ParsedDate | None = None
    layer: Layer | None = None
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class _Read:
    layer: Layer
    date: ParsedDate


def choose_date(
    layers: Sequence[tuple[Layer, Iterable[str | ParsedDate | None]]],
    context: DateContext,
    url: str | None = None,
    offset_evidence: Iterable[str | ParsedDate | None] = (),
) -> DateChoice:
    """The best layer's date, with three corrections, each from evidence on the page:

    * an ambiguous numeric date (``11/01/2023``) is resolved by another layer naming one of
      its readings; until then trafilatura's date (maybe a guess on the same string) is set
      aside, and with nothing to resolve it the choice falls to the next layer, flagged;
    * when ``url`` is given, a best-layer date that no other layer nor the URL's own
      ``/2019/07/17/`` day confirms (within a day) gives way to the first that is confirmed;
    * a UTC instant is shown in the offset another candidate states for the same instant
      (or implies by printing its wall-clock time), so the day is the page's local day;
      ``offset_evidence`` (the page's modified stamps) counts for this too. With no such
      time, a day the page prints (a date-only candidate, or the URL's day) that the instant
      falls on in some zone is its local day: it is shown at the nearest whole-hour offset
      that reaches that day.
    """
    reads, readings = _read_all(layers, context)
    evidence = _read_all([("meta", offset_evidence)], context)[0]
    if not reads:
        return DateChoice(ambiguous=bool(readings))
    if (
        readings
        and readings[0].layer != reads[0].layer
        and _ranks_before(readings[0], reads[0], layers)
    ):
        resolved = _resolve(readings, reads)
        if resolved is not None:
            return DateChoice(_in_page_offset(resolved.date, reads + evidence), resolved.layer)
        reads = [r for r in reads if r.layer != "trafilatura"] or reads
        ambiguous = True
    else:
        ambiguous = False
    if not reads:
        return DateChoice(ambiguous=True)
    day_in_url = url_day(url)
    chosen = _corroborated(reads, day_in_url) if url is not None else reads[0]
    shown = _in_page_offset(chosen.date, reads + evidence)
    if shown is chosen.date:
        shown = _on_printed_day(chosen.date, reads, day_in_url)
    return DateChoice(shown, chosen.layer, ambiguous)


def modified_days(modified: Iterable[str | ParsedDate | None], context: DateContext) -> set[date]:
    """The days the page's modified stamps name."""
    return {r.date.value.date() for r in _read_all([("meta", modified)], context)[0]}


def weigh_generic(
    generic: Sequence[str], dateline: ParsedDate | None, modified: set[date], context: DateContext
) -> tuple[list[str], set[date]]:
    """The generic date tags (``date``, ``dc.date``) kept, and the days of those set aside.

    They are set aside when the dateline near the headline prints another day that is not
    a ``modified`` day (a dateline naming that day is the modified stamp)."""
    if dateline is None or not generic:
        return list(generic), set()
    reads, readings = _read_all([("meta", generic)], context)
    candidates = reads + readings  # either reading of an ambiguous tag may be the dateline's
    if dateline.value.date() in modified or any(_agree(r.date, dateline) for r in candidates):
        return list(generic), set()
    return [], {r.date.value.date() for r in candidates}


def trafilatura_day(
    day: str | None, set_aside: set[date], modified: set[date], printed: ParsedDate | None
) -> str | None:
    """Trafilatura's ``YYYY-MM-DD`` unless it only repeats a generic tag set aside, or it is
    the modified day while the page prints another date (``printed``, found away from the
    headline): htmldate reads the same tags and may take the modified one."""
    if day is None:
        return None
    value = date.fromisoformat(day)
    if value in set_aside:
        return None
    if value in modified and printed is not None and printed.value.date() != value:
        return None
    return day


def _read_all(
    layers: Sequence[tuple[Layer, Iterable[str | ParsedDate | None]]], context: DateContext
) -> tuple[list[_Read], list[_Read]]:
    reads: list[_Read] = []
    readings: list[_Read] = []
    for layer, candidates in layers:
        for index, candidate in enumerate(candidates):
            if index >= MAX_PER_LAYER:
                break
            if candidate is None or isinstance(candidate, ParsedDate):
                parsed = candidate
            else:
                try:
                    parsed = read_date(candidate, context)
                except AmbiguousDateError as error:
                    readings += [_Read(layer, reading) for reading in error.readings]
                    continue
            if parsed is not None:
                reads.append(_Read(layer, parsed))
    return reads, readings


def _ranks_before(first: _Read, second: _Read, layers: Sequence[tuple[Layer, object]]) -> bool:
    order = [layer for layer, _ in layers]
    return order.index(first.layer) < order.index(second.layer)


def _resolve(readings: list[_Read], reads: list[_Read]) -> _Read | None:
    """The reading of an ambiguous date that a non-trafilatura candidate names."""
    named = {r.date.value.date() for r in reads if r.layer != "trafilatura"}
    return next((r for r in readings if r.date.value.date() in named), None)


def _corroborated(reads: list[_Read], day_in_url: date | None) -> _Read:
    firsts: dict[Layer, _Read] = {}
    for read in reads:
        firsts.setdefault(read.layer, read)
    ordered = list(firsts.values())

    def confirmed(read: _Read) -> bool:
        others = [o.date for o in ordered if o.layer != read.layer]
        return any(_agree(read.date, other) for other in others) or (
            day_in_url is not None and _on_day(read.date, day_in_url)
        )

    if confirmed(ordered[0]):
        return ordered[0]
    return next((read for read in ordered[1:] if confirmed(read)), ordered[0])


def _agree(first: ParsedDate, second: ParsedDate) -> bool:
    """Same day, or the same instant seen from another time zone."""
    return _on_day(first, second.value.date()) or _on_day(second, first.value.date())


def _on_day(parsed: ParsedDate, day: date) -> bool:
    """Whether ``parsed`` falls on ``day`` as printed, or in some zone when it is an instant."""
    if parsed.value.date() == day:
        return True
    if parsed.tz != "stated" or not _has_time(parsed.value):
        return False
    instant = parsed.value.astimezone(UTC).replace(tzinfo=None)
    earliest, latest = (instant - timedelta(hours=12)).date(), (instant + _MAX_OFFSET).date()
    return earliest <= day <= latest


def _in_page_offset(chosen: ParsedDate, reads: list[_Read]) -> ParsedDate:
    """``chosen`` shown in the UTC offset the page uses for the same instant, if it is UTC."""
    offset = chosen.value.utcoffset()
    if chosen.tz != "stated" or offset is None or offset != timedelta(0):
        return chosen
    for read in reads:
        other = read.date
        other_offset = other.value.utcoffset()
        if other.tz == "stated" and other_offset and _same_instant(chosen.value, other.value):
            return ParsedDate(chosen.value.astimezone(other.value.tzinfo), chosen.raw, "stated")
        if other.tz != "stated" and _has_time(other.value):
            implied = _implied_offset(chosen.value, other.value)
            if implied is not None:
                return ParsedDate(chosen.value.astimezone(timezone(implied)), chosen.raw, "stated")
    return chosen


def _on_printed_day(chosen: ParsedDate, reads: list[_Read], day_in_url: date | None) -> ParsedDate:
    """A UTC instant shown on the day the page prints for it (see `choose_date`), unless a
    printed date names its UTC day. Only visible dates and the URL count as printed: a
    date-only meta tag or trafilatura's day may be the same UTC instant cut to its date."""
    if chosen.tz != "stated" or chosen.value.utcoffset() != timedelta(0):
        return chosen
    if not _has_time(chosen.value):
        return chosen
    printed = [r.date.value.date() for r in reads if r.layer == "visible-text"
               and r.date.tz != "stated" and not _has_time(r.date.value)]  # fmt: skip
    days = printed + ([day_in_url] if day_in_url is not None else [])
    instant = chosen.value
    if instant.date() in days:
        return chosen
    for day in days:
        offset = _offset_to_day(instant, day)
        if offset is not None:
            return ParsedDate(instant.astimezone(timezone(offset)), chosen.raw, "stated")
    return chosen


def _offset_to_day(instant: datetime, day: date) -> timedelta | None:
    """The whole-hour offset nearest zero at which the UTC ``instant`` falls on ``day``."""
    wall = instant.replace(tzinfo=None)
    start = datetime.combine(day, datetime.min.time())
    if day > wall.date():
        hours = -(-(start - wall) // timedelta(hours=1))
    else:
        hours = -((wall - (start + timedelta(days=1))) // timedelta(hours=1) + 1)
    offset = timedelta(hours=hours)
    reached = (wall + offset).date() == day
    return offset if reached and -timedelta(hours=12) <= offset <= _MAX_OFFSET else None


def _same_instant(first: datetime, second: datetime) -> bool:
    return abs(first - second) <= timedelta(minutes=1)


def _has_time(value: datetime) -> bool:
    return (value.hour, value.minute, value.second) != (0, 0, 0)


def _implied_offset(instant: datetime, wall: datetime) -> timedelta | None:
    """The offset at which ``instant`` reads as the wall-clock ``wall``, if it is a plausible
    one (a non-zero multiple of 15 minutes within 14 hours)."""
    if (wall.second, wall.microsecond) == (0, 0):
        instant = instant.replace(second=0, microsecond=0)  # ``9:25pm`` for 21:25:54
    difference = wall.replace(tzinfo=None) - instant.replace(tzinfo=None)
    minutes = difference.total_seconds() / 60
    if difference == timedelta(0) or abs(difference) > _MAX_OFFSET or minutes % 15:
        return None
    return difference
