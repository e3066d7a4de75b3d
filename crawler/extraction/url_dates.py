"""The day a URL's path names: ``/2019/05/14/``, ``/2020/oct/02/``, ``/2021-10-29-slug``,
``/meldungen/29-10-2021``. Never a month or a year alone, never an ambiguous ``01-02-2024``."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote, urlsplit

from crawler.extraction.dates import (
    MONTH_NUMBERS,
    AmbiguousDateError,
    DateContext,
    ParsedDate,
    read_date,
)

#: ``/2019/05/14/``, ``/2020/oct/02/`` or ``/2019-05-14-slug`` (year first, after a slash).
_SEGMENTS = re.compile(
    r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2]|[a-z]{3,9})[/-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)
#: ``2021-10-29`` or ``29-10-2021`` standing alone in a segment or at a slug's edge.
_IN_SEGMENT = re.compile(
    r"(?:^|[/_])((?:19|20)\d\d-\d\d-\d\d|\d\d?[-.]\d\d?[-.](?:19|20)\d\d)(?=[/_.-]|$)"
)


def url_day(url: str | None) -> date | None:
    """The ``/YYYY/MM/DD/`` day of ``url``'s path (numbers or an English month), if any."""
    path = unquote(urlsplit(url or "").path).lower()
    match = _SEGMENTS.search(path)
    if match is None:
        return None
    month = int(match[2]) if match[2].isdigit() else MONTH_NUMBERS.get(match[2])
    try:
        return date(int(match[1]), month, int(match[3])) if month else None
    except ValueError:
        return None


def url_date(url: str | None, context: DateContext) -> ParsedDate | None:
    """The day ``url``'s path names, as a date read from the path (``raw`` is that part);
    None without a full day or when its numbers read two ways and no date order is known."""
    day = url_day(url)
    path = unquote(urlsplit(url or "").path)
    if day is not None:
        parsed = read_date(day.isoformat(), context)
        raw = _SEGMENTS.search(path.lower())
        return ParsedDate(parsed.value, raw[0].strip("/"), parsed.tz) if parsed and raw else None
    match = _IN_SEGMENT.search(path)
    if match is None:
        return None
    try:
        return read_date(match[1], context)
    except AmbiguousDateError:
        return None
