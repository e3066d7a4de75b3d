"""Page metadata in layers: JSON-LD, then meta tags, then trafilatura, then visible text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.extraction.authors import (
    clean_authors,
    is_handle_of,
    is_organisation_byline,
    parse_byline,
)
from crawler.extraction.dates import AmbiguousDateError, DateContext, ParsedDate, read_date
from crawler.extraction.jsonld import is_listing, read_jsonld
from crawler.extraction.meta_tags import read_meta_tags
from crawler.extraction.options import ExtractionOptions
from crawler.extraction.page_regions import full_name
from crawler.extraction.published import (
    DateChoice,
    choose_date,
    modified_days,
    trafilatura_day,
    weigh_generic,
)
from crawler.extraction.signoff import signoff_authors
from crawler.extraction.stated_days import first_stated_date, page_states_day
from crawler.extraction.url_dates import url_date
from crawler.extraction.visible import VisibleFacts, read_visible
from crawler.items import Layer

__all__ = ["Metadata", "ParsedDate", "extract_metadata"]

_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:\-»«]\s+")
#: Layers whose full author list may complete a shorter one from a better layer.
_FULL_LIST_LAYERS = ("visible-text",)
#: A person's name as printed: two to four capitalised words.
_PERSON = re.compile(r"^[A-ZÀ-Ý][\w'’.-]+(?: (?:[a-z]{1,3} )?[A-ZÀ-Ý][\w'’.-]+){1,3}$")
_NAME_GLUE = re.compile(r"\s+[-|–—]\s+")
_URL_IN_TEXT = re.compile(r"https?://|www\.", re.I)


@dataclass(frozen=True, slots=True)
class Metadata:
    """Everything but the body, each field from the best layer that had it.

    ``page_types`` holds JSON-LD ``@type`` values of the page's entities and ``og:type`` (for
    ``is_article``); ``byline_lines`` the texts of visible byline/date lines near the
    headline, so the body engine can strip them; ``provenance`` maps `Article` field names
    (``title``, ``authors``, ``published_at``...) to the layer that gave them.
    """

    title: str | None = None
    canonical_url: str | None = None
    byline: str | None = None
    language: str | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()
    published: ParsedDate | None = None
    modified: ParsedDate | None = None
    article_body: str | None = None
    byline_lines: tuple[str, ...] = ()
    provenance: dict[str, Layer] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


def extract_metadata(
    tree: lxml.html.HtmlElement,
    url: str,
    fetched_at: datetime,
    options: ExtractionOptions,
    trafilatura_meta: Mapping[str, Any] | None = None,
) -> Metadata:
    """The page's metadata, best layer first; site overrides win. Never raises on odd markup.

    ``trafilatura_meta`` holds trafilatura's own metadata fields (``author``, ``date``,
    ``title``, ``sitename``, ...) when extraction ran first; without it that layer is skipped.
    """
    ld = read_jsonld(tree, url)
    meta = read_meta_tags(tree, url)
    traf = trafilatura_meta or {}
    listing = is_listing(ld.page_types, meta.og_type)
    if listing:
        # on a listing, trafilatura's and the visible author and date are a teaser's
        traf = {k: v for k, v in traf.items() if k not in ("author", "date")}
    pick = _Picker()
    language = pick.first("language", ("json-ld", ld.language), ("meta", meta.language),
                          ("trafilatura", _text(traf.get("language"))))  # fmt: skip
    context = DateContext(
        fetched_at, options.languages or _date_languages(language), options.timezone,
        options.date_order,
    )  # fmt: skip
    site_name = pick.first("site_name", ("json-ld", ld.site_name), ("meta", meta.site_name),
                           ("trafilatura", _text(traf.get("sitename"))))  # fmt: skip
    title = pick.first("title", ("json-ld", ld.title), ("meta", meta.title),
                       ("trafilatura", _text(traf.get("title"))))  # fmt: skip
    overrides = _read_overrides(tree, options, context)
    visible = read_visible(tree, overrides.title or title, context)
    if listing:
        visible = VisibleFacts(headline=visible.headline)
    if overrides.title:
        title = pick.force("title", overrides.title)
    authors = _choose_authors(
        pick,
        [
            ("json-ld", _split_names(ld.authors)),
            ("meta", _split_names(a for a in meta.authors if not _URL_IN_TEXT.search(a))),
            ("visible-text", visible.authors if visible.byline_near else ()),
            ("trafilatura", _split_names(html.unescape(str(traf.get("author") or "")).split(";"))),
            ("visible-text", () if visible.byline_near else visible.authors),
            ("visible-text", () if listing else signoff_authors(tree)),
        ],
        _publisher_keys(site_name, url),
    )
    authors = tuple(
        name if " " in name or not name[:1].isupper() else full_name(tree, name) or name
        for name in authors
    )
    byline = visible.byline if visible.authors and set(visible.authors) & set(authors) else None
    if overrides.authors:
        authors, byline = pick.force("authors", overrides.authors), overrides.byline
    if authors:
        pick.provenance["byline"] = "visible-text" if byline else pick.provenance["authors"]
        byline = byline or ", ".join(authors)
    near, far = (visible.published, None) if visible.published_near else (None, visible.published)
    modified_stamps = [ld.modified_raw, *meta.modified, visible.modified]
    stamped = modified_days(modified_stamps, context)
    generic, set_aside = weigh_generic(meta.generic_dates, near, stamped, context)
    traf_date = trafilatura_day(
        _stated_date(_text(traf.get("date")), tree, url, context), set_aside, stamped, far
    )
    published_choice = choose_date(
        [("json-ld", [ld.published_raw]), ("meta", [*meta.published, *generic]),
         ("visible-text", [near]), ("trafilatura", [traf_date]), ("visible-text", [far])],
        context, url, modified_stamps,
    )  # fmt: skip
    if published_choice.date is None and not published_choice.ambiguous and not listing:
        published_choice = _last_resort_date(
            tree, (url, meta.canonical_url), context, stamped, visible
        )
    published = pick.dated("published_at", published_choice, overrides.published)
    modified_choice = choose_date(
        [("json-ld", [ld.modified_raw]), ("meta", meta.modified),
         ("visible-text", [visible.modified])],
        context,
    )  # fmt: skip
    modified = pick.dated("modified_at", modified_choice, None)
    ambiguous = (published_choice.ambiguous or visible.ambiguous) and published is None
    return Metadata(
        title=_without_site_name(title, site_name, url, visible.headline),
        canonical_url=pick.first(
            "canonical_url", ("meta", meta.canonical_url), ("json-ld", _absolute(ld.url, url))
        ),  # fmt: skip
        byline=byline,
        language=language,
        description=pick.first(
            "description",
            ("json-ld", ld.description),
            ("meta", meta.description),
            ("trafilatura", _text(traf.get("description"))),
        ),  # fmt: skip
        site_name=site_name,
        image_url=pick.first(
            "image_url",
            ("json-ld", _absolute(ld.image_url, url)),
            ("meta", meta.image_url),
            ("trafilatura", _absolute(_text(traf.get("image")), url)),
        ),  # fmt: skip
        authors=authors,
        tags=pick.first(
            "tags",
            ("json-ld", _unique(ld.tags)),
            ("meta", meta.tags),
            ("trafilatura", _unique(_strings(traf.get("tags")) + _strings(traf.get("categories")))),
        )
        or (),
        page_types=ld.page_types + ((meta.og_type,) if meta.og_type else ()),
        published=published,
        modified=modified,
        article_body=ld.article_body,
        byline_lines=visible.lines + overrides.lines,
        provenance=pick.provenance,
        flags=("date_ambiguous",) if ambiguous else (),
    )


def _choose_authors(
    pick: _Picker, layers: list[tuple[Layer, tuple[str, ...]]], publisher: set[str]
) -> tuple[str, ...]:
    """The best layer's names, passing over a layer that only repeats the publisher's name
    when a later one names someone (and dropping the publisher beside a person); a bare
    first name or an account name is completed from another layer."""
    found = [(layer, names) for layer, names in layers if names]
    if not found:
        return ()
    fuller = [name for _, names in found for name in names]
    found = [(layer, tuple(_completed(name, fuller) for name in names)) for layer, names in found]
    people = [(layer, _without_publisher(names, publisher)) for layer, names in found]
    layer, names = next(((lay, kept) for lay, kept in people if kept), found[0])
    pick.provenance["authors"] = layer
    return next(
        (more for lay, more in people if lay in _FULL_LIST_LAYERS and _extends(more, names)), names
    )


def _without_publisher(names: tuple[str, ...], publisher: set[str]) -> tuple[str, ...]:
    """``names`` without the publication's own name when a person is named beside it
    (``unocero - Alberto Ávila``); an agency beside it keeps it (``AFP/The Local``)."""
    kept = tuple(name for name in names if not _is_publisher(name, publisher))
    if not kept or not any(" " in name and not is_organisation_byline(name) for name in kept):
        return () if not kept else names
    return kept


def _extends(more: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """Whether ``more`` lists all of ``names`` and others (a co-author left out of JSON-LD)."""
    keys = {name.casefold() for name in names}
    extra = [name for name in more if name.casefold() not in keys]
    return (
        bool(extra)
        and keys <= {name.casefold() for name in more}
        and all(_PERSON.match(name) for name in extra)
    )


def _completed(name: str, candidates: list[str]) -> str:
    """``Nils`` -> ``Nils Pickert`` and ``arianschlichenmayer`` -> ``Arian Schlichenmayer``
    when another layer prints the full name."""
    if " " in name:
        return name
    prefix = name.casefold() + " "
    return next(
        (c for c in candidates if c.casefold().startswith(prefix) or is_handle_of(name, c)), name
    )


def _is_publisher(name: str, publisher: set[str]) -> bool:
    """``Finanztreff De``, ``Die FURCHE`` or ``Badische Zeitung`` on that publication's site."""
    key = _key(name)
    return any(key == p or (len(key) >= 4 and len(p) >= 4 and (key in p or p in key))
               for p in publisher)  # fmt: skip


def _publisher_keys(site_name: str | None, url: str) -> set[str]:
    """Comparison keys under which an author name is just the publication's name."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    keys = {_key(host), _key(host.split(".")[0])}
    short: set[str] = set()
    if site_name:
        keys.add(_key(site_name))
        # ``LN - Lübecker Nachrichten``, or ``LN`` for ``Lübecker Nachrichten``
        parts = _TITLE_SEPARATOR.split(site_name)
        short = {_key(part) for part in parts if len(parts) > 1}
        capitals = [word[0] for word in site_name.split() if word[:1].isupper()]
        if len(capitals) > 1:
            short.add(_key("".join(capitals)))
    return {key for key in keys if len(key) >= 3} | {key for key in short if len(key) >= 2}


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class _Picker:
    """Takes the first non-empty value of a field and records which layer gave it."""

    def __init__(self) -> None:
        self.provenance: dict[str, Layer] = {}

    def first(self, name: str, *layers: tuple[Layer, Any]) -> Any:
        for layer, value in layers:
            if value:
                self.provenance[name] = layer
                return value
        return None

    def force(self, name: str, value: Any) -> Any:
        self.provenance[name] = "site-override"
        return value

    def dated(
        self, name: str, choice: DateChoice, override: ParsedDate | None
    ) -> ParsedDate | None:
        if override is not None:
            return self.force(name, override)
        if choice.date is not None and choice.layer is not None:
            self.provenance[name] = choice.layer
        return choice.date


@dataclass(frozen=True, slots=True)
class _Overrides:
    title: str | None = None
    byline: str | None = None
    authors: tuple[str, ...] = ()
    published: ParsedDate | None = None
    lines: tuple[str, ...] = ()


def _read_overrides(
    tree: lxml.html.HtmlElement, options: ExtractionOptions, context: DateContext
) -> _Overrides:
    """The fields a site's selectors (CSS, or XPath when starting with ``/`` or ``(``) give."""
    site = options.overrides
    title = _selected_text(tree, site.title)
    byline_text = _selected_text(tree, site.byline)
    byline, authors = parse_byline(byline_text) if byline_text else (None, ())
    date_element = _selected(tree, site.date)
    published = None
    if date_element is not None:
        date_text = " ".join(date_element.text_content().split())
        for candidate in (date_element.get("datetime"), date_element.get("content"), date_text):
            try:
                published = read_date(candidate, context) if candidate else None
            except AmbiguousDateError:
                published = None
            if published is not None:
                break
    lines = tuple(t for t in (byline_text, _selected_text(tree, site.date)) if t)
    return _Overrides(title, byline, authors, published, lines)


def _selected(tree: lxml.html.HtmlElement, selector: str | None) -> lxml.html.HtmlElement | None:
    if not selector:
        return None
    try:
        found = (
            tree.xpath(selector) if selector.startswith(("/", "(")) else tree.cssselect(selector)
        )
    except (etree.XPathError, ValueError, SyntaxError):
        return None
    elements = [item for item in found if isinstance(item, lxml.html.HtmlElement)]
    return elements[0] if elements else None


def _selected_text(tree: lxml.html.HtmlElement, selector: str | None) -> str | None:
    element = _selected(tree, selector)
    text = " ".join(element.text_content().split()) if element is not None else ""
    return text or None


def _last_resort_date(
    tree: lxml.html.HtmlElement,
    urls: tuple[str, str | None],
    context: DateContext,
    modified: set[date],
    visible: VisibleFacts,
) -> DateChoice:
    """With no date from any layer: the first full date printed in the article, else the day
    the page's URL (or its canonical URL) names, unless that day is the page's modified day.
    An ambiguous dateline (``02/10/2020``) is read the way the URL's day reads it, or not."""
    printed = first_stated_date(tree, context)
    if printed is not None:
        return DateChoice(printed, "visible-text")
    in_url = next(filter(None, (url_date(url, context) for url in urls)), None)
    if in_url is None or in_url.value.date() in modified:
        return DateChoice()
    if visible.ambiguous:
        day = in_url.value.date()
        reading = next((r for r in visible.readings if r.value.date() == day), None)
        return DateChoice(reading, "visible-text") if reading else DateChoice()
    return DateChoice(in_url, "url")


def _stated_date(
    day: str | None, tree: lxml.html.HtmlElement, url: str, context: DateContext
) -> str | None:
    """Trafilatura's ``YYYY-MM-DD`` when the page prints that day in full: htmldate fills in
    a day for ``May 2024`` or ``2024`` and guesses the order of ``01/02/2024``."""
    try:
        parsed = date.fromisoformat(day) if day else None
    except ValueError:
        return None
    return day if parsed is not None and page_states_day(tree, url, parsed, context) else None


def _split_names(values: Iterable[str]) -> tuple[str, ...]:
    """Names from structured author fields, where ``A - B`` or ``A | B`` are two names."""
    parts = (part for value in values if value for part in _NAME_GLUE.split(value))
    return clean_authors(name for part in parts for name in parse_byline(part)[1])


def _date_languages(language: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys((language, "en") if language else ("en",)))


def _text(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else []


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        value = " ".join(value.split())
        if value and len(value) <= 60:
            seen.setdefault(value.casefold(), value)
    return tuple(seen.values())[:30]


def _absolute(url: str | None, page_url: str) -> str | None:
    if not url:
        return None
    absolute = urljoin(page_url, url.strip())
    return absolute if absolute.startswith(("http://", "https://")) else None


def _without_site_name(
    title: str | None, site_name: str | None, url: str, headline: str | None
) -> str | None:
    """The title without a leading or trailing ``| Site Name`` (the site's or host's name),
    or the part of ``A | B`` that the page's headline repeats."""
    if not title:
        return None
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    host = (urlsplit(url).hostname or "").removeprefix("www.").split(".")[0]
    names = [_key(name) for name in (site_name, host) if name and _key(name)]
    for edge, rest in ((parts[-1], parts[:-1]), (parts[0], parts[1:])):
        key = _key(edge)
        if any(key.startswith(name) and len(key) <= len(name) + 6 for name in names):
            return _rejoin(title, rest)
    wanted = _key(headline or "")
    return next((part.strip() for part in parts if wanted and _key(part) == wanted), title)


def _rejoin(title: str, parts: list[str]) -> str:
    """``title`` cut to ``parts`` (kept with their original separators)."""
    first, last = parts[0], parts[-1]
    return title[title.index(first) : title.rindex(last) + len(last)].strip()
