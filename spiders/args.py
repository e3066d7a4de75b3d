"""Spider arguments as typed values: ``scrapy crawl -a`` gives strings, `run_crawls` objects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extraction.options import SiteOverrides

_SEPARATORS = re.compile(r"[\s,]+")


def str_list(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A list from a sequence, or from a string separated by commas or whitespace."""
    if value is None:
        return ()
    items = _SEPARATORS.split(value) if isinstance(value, str) else value
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


def lines_of(path: str | Path | None) -> tuple[str, ...]:
    """Non-blank lines of a file that do not start with ``#``, stripped."""
    if not path:
        return ()
    text = Path(path).read_text(encoding="utf-8")
    return str_list(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))


def as_since(value: str | date | datetime | None, timezone: str | None = None) -> datetime | None:
    """An aware cut-off: a date means its midnight, naive times are in ``timezone`` (else UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone) if timezone else UTC)
    return value


def as_overrides(value: str | dict[str, Any] | SiteOverrides | None) -> SiteOverrides:
    """Per-site selectors from a `SiteOverrides`, a dict, or a JSON object string."""
    if isinstance(value, SiteOverrides):
        return value
    if not value:
        return SiteOverrides()
    fields = json.loads(value) if isinstance(value, str) else value
    return SiteOverrides(**fields)


def as_patterns(value: str | Iterable[str] | None) -> tuple[re.Pattern[str], ...]:
    """Compiled regexes; a string holds one pattern per line (regexes may contain commas)."""
    if value is None:
        return ()
    items = value.splitlines() if isinstance(value, str) else value
    return tuple(re.compile(p.strip()) for p in items if p and p.strip())
