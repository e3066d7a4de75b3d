"""The article described in a page's JSON-LD: tolerant of lists, `@graph`, references and junk."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

#: Script texts larger than this are skipped unread (a JSON-LD block is a few KB).
MAX_SCRIPT_CHARS = 1_000_000
#: At most this many JSON-LD scripts and this many JSON objects are looked at per page.
MAX_SCRIPTS = 30
MAX_NODES = 5_000

ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle",
        "BlogPosting", "LiveBlogPosting", "SocialMediaPosting", "DiscussionForumPosting",
        "TechArticle", "ScholarlyArticle", "Report", "SatiricalArticle", "MedicalScholarlyArticle",
        "AdvertiserContentArticle", "Posting", "Review", "CreativeWork",
    }
)  # fmt: skip
#: Types of pages that list or describe others (a listing, an author's page, search results).
LISTING_TYPES = frozenset(
    {"CollectionPage", "ItemList", "ProfilePage", "SearchResultsPage", "profile"}
)
_PAGE_TYPES = frozenset(
    {"WebPage", "ItemPage", "AboutPage", "MediaObject", "VideoObject", "AudioObject"}
)
_SCRIPTS = etree.XPath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_WRAPPER = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")
_FIELD = re.compile(r'"(datePublished|dateModified|headline)"\s*:\s*"([^"\\]{1,200})"')


@dataclass(frozen=True, slots=True)
class JsonLdFacts:
    """What the JSON-LD says about the page's main article (raw strings, uncleaned names)."""

    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    language: str | None = None
    url: str | None = None
    article_body: str | None = None
    published_raw: str | None = None
    modified_raw: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()


def read_jsonld(tree: lxml.html.HtmlElement, page_url: str) -> JsonLdFacts:
    """The main article's facts from all JSON-LD scripts; empty facts when there are none."""
    roots: list[Any] = []
    salvaged: dict[str, str] = {}
    for script in _SCRIPTS(tree)[:MAX_SCRIPTS]:
        text = script.text or ""
        if len(text) > MAX_SCRIPT_CHARS:
            continue
        data = _loads(text)
        if data is None:
            for name, value in _FIELD.findall(text):
                salvaged.setdefault(name, value)
        else:
            roots.append(data)
    nodes = list(_entities(roots))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    top_types = tuple(dict.fromkeys(t for node in nodes for t in _types(node)))
    main = _main_entity(nodes, page_url)
    published = _first_text(main, ("datePublished", "dateCreated", "uploadDate"))
    if main is None or not _is_article(main):
        # no article: only the page's (or its video's) dates, and what could be salvaged
        return JsonLdFacts(
            title=salvaged.get("headline"),
            published_raw=published or salvaged.get("datePublished"),
            modified_raw=_first_text(main, ("dateModified",)) or salvaged.get("dateModified"),
            site_name=_site_name(nodes, main, by_id),
            page_types=top_types,
        )
    return JsonLdFacts(
        title=_text(main.get("headline")) or _text(main.get("name")),
        description=_text(main.get("description")),
        site_name=_site_name(nodes, main, by_id),
        image_url=_url(main.get("image") or main.get("thumbnailUrl"), by_id),
        language=_language(main.get("inLanguage")),
        url=_url(main.get("url"), by_id) or _url(main.get("mainEntityOfPage"), by_id),
        article_body=_text(main.get("articleBody")),
        published_raw=published,
        modified_raw=_text(main.get("dateModified")),
        authors=tuple(_names(main.get("author") or main.get("creator"), by_id)),
        tags=tuple(_keywords(main.get("keywords")) + _keywords(main.get("articleSection"))),
        page_types=top_types,
    )


def _first_text(node: dict[str, Any] | None, keys: tuple[str, ...]) -> str | None:
    return next((text for key in keys if node and (text := _text(node.get(key)))), None)


def is_listing(page_types: tuple[str, ...], og_type: str | None) -> bool:
    """True when the page types itself a listing or profile and names no article."""
    types = set(page_types) | ({og_type} if og_type else set())
    return bool(types & LISTING_TYPES) and not any(t in ARTICLE_TYPES for t in types)


def _loads(text: str) -> Any:
    text = _WRAPPER.sub("", text.strip())
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _entities(roots: list[Any]) -> Iterator[dict[str, Any]]:
    """Typed objects at the top level, in lists and `@graph`s, and their ``mainEntity``
    (not the items of an ``ItemList``: a listing's teasers are not the page's article)."""
    stack = list(reversed(roots))
    seen = 0
    while stack and seen < MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "@type" in item or "@id" in item:
                yield item
            for key in ("mainEntity", "@graph"):
                if isinstance(item.get(key), dict | list):
                    stack.append(item[key])


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)]


def _is_article(node: dict[str, Any]) -> bool:
    return any(t in ARTICLE_TYPES or t.endswith("Article") for t in _types(node))


def _main_entity(nodes: list[dict[str, Any]], page_url: str) -> dict[str, Any] | None:
    articles = [node for node in nodes if _is_article(node)]
    if not articles:
        articles = [
            n for n in nodes
            if _PAGE_TYPES & set(_types(n)) and ("datePublished" in n or "uploadDate" in n)
        ]  # fmt: skip
    if len(articles) > 1:
        here = page_url.split("#")[0].rstrip("/")
        for node in articles:
            own = _url(node.get("url"), {}) or _url(node.get("mainEntityOfPage"), {}) or ""
            if own.split("#")[0].rstrip("/") == here:
                return node
        dated = [node for node in articles if "datePublished" in node]
        return (dated or articles)[0]
    return articles[0] if articles else None


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _names(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values[:20]:
        item = _resolve(item, by_id)
        if isinstance(item, dict):
            given, family = _text(item.get("givenName")), _text(item.get("familyName"))
            name = _text(item.get("name")) or " ".join(filter(None, (given, family))) or None
        else:
            name = _text(item)
        if name:
            names.append(name)
    return names


def _url(value: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    value = _resolve(value[0] if isinstance(value, list) and value else value, by_id)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
        if isinstance(value, list) and value:
            value = value[0]
    if isinstance(value, str) and value.strip().startswith(("http://", "https://", "/")):
        return value.strip()
    return None


def _keywords(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    words: list[str] = []
    for item in values[:50]:
        text = _text(item)
        if text:
            words.extend(word.strip() for word in text.split(",") if word.strip())
    return words


def _language(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    text = _text(value)
    return text.split("-")[0].split("_")[0].lower() if text and len(text) <= 12 else None


def _site_name(
    nodes: list[dict[str, Any]], main: dict[str, Any] | None, by_id: dict[str, dict[str, Any]]
) -> str | None:
    publisher = _resolve(main.get("publisher"), by_id) if main else None
    if isinstance(publisher, list) and publisher:
        publisher = _resolve(publisher[0], by_id)
    if isinstance(publisher, dict) and _text(publisher.get("name")):
        return _text(publisher.get("name"))
    for node in nodes:
        if "WebSite" in _types(node) and _text(node.get("name")):
            return _text(node.get("name"))
    return None
