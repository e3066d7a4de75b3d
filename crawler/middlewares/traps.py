"""Crawler traps: URLs that multiply without end, caught before they eat a crawl.

``TrapMiddleware`` (spider middleware) strips session ids from links (``jsessionid``,
``PHPSESSID``, ``sid``...), so each page keeps one URL and the duplicate filter sees
repeats, and drops links that look like traps (``drop/trap_suspected``, with the kind in
``news/traps/<kind>``): over-long URLs, a path segment repeated again and again, a
calendar running years away from the crawl date, or one path reached under more distinct
query strings than ``CRAWLER_MAX_QUERY_VARIANTS`` (sort/filter permutations).
``HostBudgetMiddleware`` (downloader middleware) applies the stateless checks to every
request, redirects included, and stops a host after ``CRAWLER_HOST_PAGE_BUDGET`` pages in
one run (``drop/host_budget``; 0 means no budget).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.httpobj import urlparse_cached

from crawler.middlewares.drops import INTERNAL_META, record_drop
from crawler.net.policy import Dropped

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Query parameters and ``;name=`` path parameters that carry a session, not content.
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "cfid", "cftoken"}
)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.I)
#: Path segments after which a year is a calendar position, and query keys holding a date.
CALENDAR_SEGMENTS = frozenset({"calendar", "calendrier", "kalender", "events", "event", "agenda"})
DATE_KEYS = frozenset({"date", "day", "week", "month", "year", "from", "to"})
#: Years a calendar may be walked back from the crawl date before it counts as a trap.
CALENDAR_YEARS_BACK = 5
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
#: Paths whose distinct query strings are remembered, at most (oldest forgotten first).
_MAX_TRACKED_PATHS = 100_000


def strip_session_ids(url: str) -> str:
    """The URL without session-id path parameters and query parameters.

    >>> strip_session_ids("http://a.b/x;jsessionid=AB12?id=3&PHPSESSID=ff")
    'http://a.b/x?id=3'
    """
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in SESSION_PARAMS]
    query = urlencode(kept) if len(kept) != len(pairs) else parts.query
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _calendar_years(segments: list[str], query: str) -> tuple[list[int], list[int]]:
    """Years that are whole path segments, and years in calendar positions (after a
    calendar-like segment, or in a date-like query value)."""
    whole = [int(s) for s in segments if len(s) == 4 and s.isdigit()]
    hint = next((i for i, s in enumerate(segments) if s.lower() in CALENDAR_SEGMENTS), None)
    placed = (
        [] if hint is None else [int(y) for s in segments[hint + 1 :] for y in _YEAR.findall(s)]
    )
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in DATE_KEYS:
            placed += [int(y) for y in _YEAR.findall(value)]
    return whole, placed


def trap_kind(url: str, *, max_length: int, current_year: int) -> str | None:
    """The kind of trap a URL looks like, or None: ``url_too_long``, ``repeated_segments``
    (one segment three times or more) or ``calendar`` (a year segment after next year, or a
    calendar position more than ``CALENDAR_YEARS_BACK`` years back or after next year).
    Stateless, so it can judge any single URL."""
    if len(url) > max_length:
        return "url_too_long"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if segments and max(Counter(segments).values()) >= 3:
        return "repeated_segments"
    whole, placed = _calendar_years(segments, parts.query)
    earliest = current_year - CALENDAR_YEARS_BACK
    if any(y > current_year + 1 for y in whole + placed) or any(y < earliest for y in placed):
        return "calendar"
    return None


class TrapMiddleware(BaseSpiderMiddleware):
    """Spider middleware: strips session ids from links and drops trap-like links."""

    def __init__(self, crawler: Crawler, max_length: int, max_variants: int) -> None:
        super().__init__(crawler)
        self.max_length = max_length
        self.max_variants = max_variants
        self.current_year = time.gmtime().tm_year
        self._variants: dict[tuple[str, str], set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("CRAWLER_MAX_URL_LENGTH", 1000),
            settings.getint("CRAWLER_MAX_QUERY_VARIANTS", 50),
        )

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:  # the user's own start URLs are taken as given
            return request
        stats = self.crawler.stats
        clean = strip_session_ids(request.url)
        if clean != request.url:
            stats.inc_value("news/traps/session_id_stripped")
            request = request.replace(url=clean)
        kind = trap_kind(request.url, max_length=self.max_length, current_year=self.current_year)
        if kind is None and self._too_many_variants(request.url):
            kind = "query_permutations"
        if kind is None:
            return request
        stats.inc_value(f"news/traps/{kind}")
        record_drop(stats, "trap_suspected", request.url, kind)
        return None

    def _too_many_variants(self, url: str) -> bool:
        parts = urlsplit(url)
        if not parts.query:
            return False
        key = (parts.netloc, parts.path)
        seen = self._variants.get(key)
        if seen is None:
            if len(self._variants) >= _MAX_TRACKED_PATHS:
                del self._variants[next(iter(self._variants))]
            seen = self._variants[key] = set()
        if parts.query in seen:
            return False
        if len(seen) >= self.max_variants:
            return True
        seen.add(parts.query)
        return False


class HostBudgetMiddleware:
    """Downloader middleware: trap checks on every request and a page budget per host."""

    def __init__(self, crawler: Crawler, budget: int, max_length: int) -> None:
        self.crawler = crawler
        self.budget = budget
        self.max_length = max_length
        self.current_year = time.gmtime().tm_year
        self._pages: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("CRAWLER_HOST_PAGE_BUDGET", 0),
            settings.getint("CRAWLER_MAX_URL_LENGTH", 1000),
        )

    def process_request(self, request: Request) -> None:
        if request.meta.get(INTERNAL_META) or request.meta.get("retry_times"):
            return
        kind = trap_kind(request.url, max_length=self.max_length, current_year=self.current_year)
        if kind is not None and request.url not in self._seeds():
            self.crawler.stats.inc_value(f"news/traps/{kind}")
            raise Dropped("trap_suspected", kind)
        if not self.budget:
            return
        host = urlparse_cached(request).netloc
        if self._pages[host] >= self.budget:
            raise Dropped("host_budget", f"{self.budget} pages of {host} in this run")
        self._pages[host] += 1

    def _seeds(self) -> tuple[str, ...]:
        """The URLs the user gave (never a trap, whatever their shape)."""
        return tuple(getattr(self.crawler.spider, "seed_urls", ()))
