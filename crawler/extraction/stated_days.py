"""Whether a page prints a given day in full: the evidence a trafilatura (htmldate) date needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

import lxml.html
from lxml import etree

from crawler.extraction.dates import (
    MONTH_NUMBERS,
    NAMED_DATES,
    AmbiguousDateError,
    DateContext,
    ParsedDate,
    full_year,
    numeric_orders,
    read_date,
)
from crawler.extraction.page_regions import is_off_article

#: Date-shaped matches looked at per page, and how many of them may go to dateparser.
MAX_MATCHES = 2000
MAX_PARSER_CALLS = 5
#: Text nodes holding a date-shaped string that the fallback looks at.
MAX_TEXTS = 40
#: Languages a month name the fast path does not know is looked up in, beside the page's.
BROAD_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "pl", "tr", "sv")
#: Each look-behind (no digit before) is checked after the first digits it guards, not
#: before them: the same matches, but ``re`` skips ahead to those digits instead of trying
#: every position of a whole page's markup (several times faster).
_YEAR = r"(?P<y>(?:19|20)(?<!\d\d\d)\d\d)"
_YMD = re.compile(rf"{_YEAR}([-/.])(?P<m>\d{{1,2}})\2(?P<d>\d{{1,2}})(?!\d)")
_COMPACT = re.compile(rf"{_YEAR}(?P<m>0[1-9]|1[0-2])(?P<d>[0-2]\d|3[01])(?!\d)")
_NUMERIC = re.compile(
    r"(?P<a>\d(?<![\d.]\d)\d?)(\s?[-/.|]\s?)(?P<b>\d{1,2})\2(?P<y>(?:19|20)\d\d|\d\d)(?!\d)"
)
_TAG = re.compile(r"<[^>]*>")
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
)
#: Lines whose date is not the publication's: modified stamps and copyright notices.
_NOT_PUBLISHED = re.compile(
    r"\b(?:updated?|modified|last edited|aktualisiert|geändert|mis à jour|modifié)\b|©|\(c\)"
    r"|copyright|alle rechte|all rights",
    re.I,
)


@dataclass(slots=True)
class _Budget:
    """What is left of the bounds on one page's scan."""

    matches: int = MAX_MATCHES
    parser_calls: int = MAX_PARSER_CALLS


def page_states_day(tree: lxml.html.HtmlElement, url: str, day: date, context: DateContext) -> bool:
    """Whether the page (its markup, text or URL) prints ``day`` with day, month and year.

    ``May 2024`` or ``2024`` does not (a parser filling in the 1st invents that day), nor
    does an ambiguous ``01/02/2024`` unless the source's date order reads it as ``day``.
    """
    try:
        markup = etree.tostring(tree, encoding="unicode", method="html")
    except (ValueError, etree.LxmlError):
        return False
    return states_day(f"{url}\n{markup}\n{_TAG.sub(' ', markup)}", day, context)


def states_day(text: str, day: date, context: DateContext) -> bool:
    """Whether ``text`` prints ``day`` in full (see `page_states_day`)."""
    year = str(day.year)
    budget = _Budget()
    for match in _matches(text, year, budget):
        if match.re in NAMED_DATES:
            month = MONTH_NUMBERS.get(match["mon"])
            if int(match["d"]) != day.day:
                continue
            if month == day.month or (
                month is None and _parsed_day(match[0], context, budget) == day
            ):
                return True
        elif match.re is _NUMERIC:
            first, second = int(match["a"]), int(match["b"])
            orders = numeric_orders(first, second, match[2].strip(), context.date_order)
            if len(orders) == 1 and full_year(match["y"], context) == day.year:
                month, dom = (second, first) if orders[0] == "DMY" else (first, second)
                if (day.month, day.day) == (month, dom):
                    return True
        elif (int(match["m"]), int(match["d"])) == (day.month, day.day):
            return True
    return False


def _matches(text: str, year: str, budget: _Budget) -> Iterator[re.Match[str]]:
    """Date-shaped matches naming ``year`` (or its last two digits), within the budget.

    Named dates are matched in ``text`` lower-cased, all-digit ones in ``text`` as it is
    (lower-casing changes no digit or separator, so they match the same): a page whose
    day is found in digits is never lower-cased.
    """
    lowered = ""
    for pattern in (_YMD, _COMPACT, *NAMED_DATES, _NUMERIC):
        searched = text
        if pattern in NAMED_DATES:
            lowered = lowered or text.lower()
            searched = lowered
        for match in pattern.finditer(searched):
            budget.matches -= 1
            if budget.matches < 0:
                return
            if match["y"] in (year, year[2:]):
                yield match


def _parsed_day(candidate: str, context: DateContext, budget: _Budget) -> date | None:
    """The day dateparser reads in a named date whose month the fast path does not know."""
    budget.parser_calls -= 1
    if budget.parser_calls < 0:
        return None
    languages = tuple(dict.fromkeys(context.languages + BROAD_LANGUAGES))
    try:
        parsed = read_date(candidate, replace(context, languages=languages))
    except AmbiguousDateError:
        return None
    return parsed.value.date() if parsed is not None else None


def first_stated_date(tree: lxml.html.HtmlElement, context: DateContext) -> ParsedDate | None:
    """The first date the page's text prints in full and unambiguously, outside comments,
    related links, menus and footers, and not on an ``Updated``/``©`` line; if any."""
    looked_at = 0
    budget = _Budget()
    for node in _VISIBLE_TEXT(tree):
        found = [m for pattern in (_YMD, *NAMED_DATES, _NUMERIC) for m in pattern.finditer(node)]
        if not found:
            continue
        looked_at += 1
        if looked_at > MAX_TEXTS:
            return None
        element = node.getparent()
        if element is None or not isinstance(element.tag, str):
            continue  # text of a comment or processing instruction
        line = " ".join(element.text_content().split())
        if _NOT_PUBLISHED.search(line) or _off_article(element):
            continue
        for match in sorted(found, key=lambda m: m.start()):
            parsed = _read_match(match, context, budget)
            if parsed is not None:
                return parsed
    return None


def _read_match(match: re.Match[str], context: DateContext, budget: _Budget) -> ParsedDate | None:
    """The date a match names (``26 | 01 | 2022`` read as ``26/01/2022``; a month name the
    fast path does not know looked up in `BROAD_LANGUAGES`, within the budget)."""
    text = match[0]
    if match.re is _NUMERIC:
        text = text.replace(match[2], match[2].strip() if match[2].strip() != "|" else "/")
    elif match.re in NAMED_DATES and match["mon"].casefold() not in MONTH_NUMBERS:
        budget.parser_calls -= 1
        if budget.parser_calls < 0:
            return None
        languages = tuple(dict.fromkeys(context.languages + BROAD_LANGUAGES))
        context = replace(context, languages=languages)
    try:
        return read_date(text, context)
    except AmbiguousDateError:
        return None


def _off_article(element: lxml.html.HtmlElement) -> bool:
    chain = [element, *element.iterancestors()]
    return any(node.tag not in ("body", "html", "article", "main") and is_off_article(node)
               for node in chain)  # fmt: skip
