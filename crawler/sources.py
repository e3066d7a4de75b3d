"""The sources file: one TOML table per news site, loaded and validated into `Source` values.

Format (see ``sources.example.toml``)::

    [[source]]
    name = "defenseworld"
    start_urls = ["https://www.defenseworld.net/"]
    schedule = "15m"

Every problem is reported as one line naming the file, the source and the field; unknown
keys are errors. Loading reads nothing but the file (no network, no database).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from crawler.extraction.options import SiteOverrides
from crawler.schedule import Schedule, ScheduleError, parse_schedule

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HOST = re.compile(r"(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+")
_URL_LISTS = ("start_urls", "feeds", "sitemaps")


class SourcesError(ValueError):
    """A sources file that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True, slots=True)
class Source:
    """One news site to crawl on a schedule.

    Fields:
        name: unique key (letters, digits, ``_.-``); names leases, runs and queues.
        schedule: the parsed ``schedule`` string (interval or cron, see `crawler.schedule`).
        schedule_text: the string as written.
        start_urls / feeds / sitemaps: where the crawl starts (at least one URL in all).
        allowed_domains: hosts (and their subdomains) the crawl may follow; empty: the
            hosts and ports of the start URLs, with or without ``www.``.
        allow_patterns / deny_patterns: regexes an article URL must match / must not match.
        timezone: IANA zone for pages that print a local time with no zone; cron
            expressions are read in it too (UTC when unset).
        max_pages: stop after this many pages (None = no limit).
        enabled: False keeps the source out of ``run-due`` (``crawl --source`` still runs it).
        overrides: CSS/XPath selectors for a template the generic extractor gets wrong.
    """

    name: str
    schedule: Schedule
    schedule_text: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()
    deny_patterns: tuple[str, ...] = ()
    timezone: str | None = None
    max_pages: int | None = None
    enabled: bool = True
    overrides: SiteOverrides = field(default_factory=SiteOverrides)


#: The keys a ``[[source]]`` table may have, and the keys of its ``extraction`` table.
SOURCE_KEYS = frozenset(
    {
        "name",
        "schedule",
        *_URL_LISTS,
        "allowed_domains",
        "allow_patterns",
        "deny_patterns",
        "timezone",
        "max_pages",
        "enabled",
        "extraction",
    }
)
OVERRIDE_KEYS = frozenset(f.name for f in fields(SiteOverrides))


def load_sources(path: str | Path) -> tuple[Source, ...]:
    """Every source in the TOML file at ``path``; raises `SourcesError` listing each problem."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SourcesError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError([f"{path}: not valid TOML: {exc}"]) from exc
    return parse_sources(data, str(path))


def parse_sources(data: Mapping[str, Any], origin: str = "sources") -> tuple[Source, ...]:
    """Sources from a parsed TOML document; ``origin`` prefixes every problem line."""
    problems: list[str] = [
        f"{origin}: unknown top-level key {key!r} (sources are [[source]] tables)"
        for key in data
        if key != "source"
    ]
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SourcesError([f"{origin}: 'source' must be an array of tables ([[source]])"])
    if not tables and not problems:
        problems.append(f"{origin}: no [[source]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        checker = _SourceChecker(origin, index, table)
        source = checker.build()
        problems.extend(checker.problems)
        if source is None:
            continue
        if source.name in seen:
            problems.append(f"{checker.where}: duplicate name {source.name!r}")
        seen.add(source.name)
        sources.append(source)
    if problems:
        raise SourcesError(problems)
    return tuple(sources)


def find_source(sources: Sequence[Source], name: str) -> Source:
    """The source called ``name``; raises ``KeyError`` with the known names."""
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none"
    raise KeyError(f"no source named {name!r} (known: {known})")


class _SourceChecker:
    """Validates one ``[[source]]`` table, collecting one line per problem."""

    def __init__(self, origin: str, index: int, table: Mapping[str, Any]) -> None:
        self.table = table
        name = table.get("name")
        label = repr(name) if isinstance(name, str) and name else f"#{index}"
        self.where = f"{origin}: source {label}"
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where}: field {key!r}: {message}")

    def build(self) -> Source | None:
        for key in sorted(set(self.table) - SOURCE_KEYS):
            self.fail(key, f"unknown key (allowed: {', '.join(sorted(SOURCE_KEYS))})")
        name = self.string("name", required=True)
        if name is not None and not _NAME.fullmatch(name):
            self.fail("name", "use 1-64 letters, digits, '_', '.' or '-', starting alphanumeric")
        timezone = self.timezone()
        schedule_text = self.string("schedule", required=True)
        schedule = self.schedule(schedule_text, timezone)
        before = len(self.problems)
        urls = {key: self.urls(key) for key in _URL_LISTS}
        if not any(urls.values()) and len(self.problems) == before:
            self.fail("start_urls", "give at least one URL in start_urls, feeds or sitemaps")
        allowed = self.domains()
        allow, deny = self.patterns("allow_patterns"), self.patterns("deny_patterns")
        max_pages, enabled = self.max_pages(), self.boolean("enabled", default=True)
        overrides = self.overrides()
        if self.problems or name is None or schedule is None or schedule_text is None:
            return None
        return Source(
            name=name,
            schedule=schedule,
            schedule_text=schedule_text,
            start_urls=urls["start_urls"],
            feeds=urls["feeds"],
            sitemaps=urls["sitemaps"],
            allowed_domains=allowed,
            allow_patterns=allow,
            deny_patterns=deny,
            timezone=timezone,
            max_pages=max_pages,
            enabled=enabled,
            overrides=overrides,
        )

    def string(self, key: str, required: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.fail(key, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
            return None
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, "must be a list of non-empty strings")
            return ()
        return tuple(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
            return default
        return value

    def timezone(self) -> str | None:
        zone = self.string("timezone")
        if zone is None:
            return None
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("timezone", f"unknown IANA time zone {zone!r} (like 'Europe/Berlin')")
            return None
        return zone

    def schedule(self, text: str | None, timezone: str | None) -> Schedule | None:
        if text is None:
            return None
        try:
            return parse_schedule(text, timezone)
        except ScheduleError as exc:
            self.fail("schedule", str(exc))
            return None

    def urls(self, key: str) -> tuple[str, ...]:
        urls = self.strings(key)
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.fail(key, f"{url!r} is not an absolute http(s) URL")
        return urls

    def domains(self) -> tuple[str, ...]:
        domains = self.strings("allowed_domains")
        for domain in domains:
            if not _HOST.fullmatch(domain):
                self.fail("allowed_domains", f"{domain!r} is not a host name (no scheme or path)")
        return tuple(d.lower().rstrip(".") for d in domains)

    def patterns(self, key: str) -> tuple[str, ...]:
        patterns = self.strings(key)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                self.fail(key, f"bad regular expression {pattern!r}: {exc}")
        return patterns

    def max_pages(self) -> int | None:
        value = self.table.get("max_pages")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail("max_pages", "must be a whole number of at least 1")
            return None
        return value

    def overrides(self) -> SiteOverrides:
        table = self.table.get("extraction", {})
        if not isinstance(table, dict):
            self.fail("extraction", "must be a table of selectors")
            return SiteOverrides()
        for key in sorted(set(table) - OVERRIDE_KEYS):
            allowed = ", ".join(sorted(OVERRIDE_KEYS))
            self.fail(f"extraction.{key}", f"unknown key (allowed: {allowed})")
        values: dict[str, str] = {}
        for key in sorted(OVERRIDE_KEYS & set(table)):
            selector = table[key]
            if not isinstance(selector, str) or not selector.strip():
                self.fail(f"extraction.{key}", "must be a non-empty CSS or XPath selector")
            elif (problem := selector_problem(selector)) is not None:
                self.fail(f"extraction.{key}", problem)
            else:
                values[key] = selector
        return SiteOverrides(**values)


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` is not a valid XPath (starts with ``/`` or ``(``) or CSS selector."""
    try:
        if selector.lstrip().startswith(("/", "(")):
            etree.XPath(selector)
        else:
            HTMLTranslator().css_to_xpath(selector)
    except (etree.XPathSyntaxError, SelectorError) as exc:
        kind = "XPath" if selector.lstrip().startswith(("/", "(")) else "CSS selector"
        return f"bad {kind} {selector!r}: {exc}"
    return None
