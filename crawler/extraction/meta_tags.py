"""Metadata from `<meta>`, `<link>` and microdata: OpenGraph, article:*, Dublin Core, Parse.ly..."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

#: At most this many `<meta>` and microdata elements are read per page.
MAX_TAGS = 600

_PUBLISHED_KEYS = (
    "article:published_time", "og:article:published_time", "article:published",
    "datepublished", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate",
    "publish-date", "published-date", "published_time", "og:published_time",
    "article.published", "dc.date.issued", "dcterms.issued",
    "dc.date.created", "dcterms.created", "citation_publication_date", "citation_date",
    "originalpublicationdate", "displaydate", "article_date_original",
    "cxenseparse:recs:publishtime", "rnews:datepublished", "datecreated", "created",
)  # fmt: skip
#: Dublin Core's and the plain ``date``: some date of the document (CMSs often write its last
#: change), weaker evidence of publication than the keys above.
_GENERIC_DATE_KEYS = ("dc.date", "dcterms.date", "date")
_MODIFIED_KEYS = (
    "article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
    "article:modified", "dcterms.modified", "dc.date.modified", "last-modified", "lastmod",
    "modified", "updated_time", "article.updated", "sailthru.lastmodified",
)  # fmt: skip
_AUTHOR_KEYS = (
    "author", "article:author", "og:article:author", "parsely-author", "sailthru.author",
    "dc.creator", "dcterms.creator", "dc.creator.aut", "byl", "citation_author", "creator",
    "authors", "article.author", "cxenseparse:author", "shareaholic:article_author_name",
)  # fmt: skip
#: ``twitter:labelN`` texts whose ``twitter:dataN`` names the author (Yoast's "Written by").
_AUTHOR_LABELS = frozenset(
    {"written by", "by", "author", "verfasst von", "geschrieben von", "autor", "autor:in",
     "écrit par", "auteur", "escrito por", "autore", "scritto da", "door"}
)  # fmt: skip
_TITLE_KEYS = ("og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title",
               "dcterms.title", "headline", "citation_title")  # fmt: skip
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description",
                     "dc.description", "dcterms.description", "sailthru.description")  # fmt: skip
_SITE_KEYS = ("og:site_name", "application-name", "dc.publisher", "publisher",
              "dcterms.publisher", "citation_journal_title")  # fmt: skip
_IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
               "twitter:image:src", "thumbnailurl", "image")  # fmt: skip
_TAG_KEYS = ("article:tag", "og:article:tag", "news_keywords", "parsely-tags", "sailthru.tags",
             "article:section", "parsely-section", "keywords")  # fmt: skip
_LANGUAGE_KEYS = ("content-language", "dc.language", "language", "og:locale", "inlanguage")

_METAS = etree.XPath("//meta[@content or @value or @datetime]")
_MICRODATA = etree.XPath(
    ".//*[@itemprop][not(self::meta)][@itemprop='datePublished' or @itemprop='dateModified'"
    " or @itemprop='dateCreated' or @itemprop='author' or @itemprop='creator']"
)
_WORK_SCOPE = (
    "[contains(@itemtype, 'Article') or contains(@itemtype, 'Posting')"
    " or contains(@itemtype, 'CreativeWork') or contains(@itemtype, 'Report')]"
)
_MAIN_SCOPE = etree.XPath(f"//*[@itemscope]{_WORK_SCOPE}")
_OWN_SCOPE = etree.XPath("ancestor::*[@itemscope][1]")
_CANONICAL = etree.XPath("//link[translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href")
_NAME_IN = etree.XPath(".//*[@itemprop='name']")
_MICRODATA_AUTHOR_KEYS = frozenset({"author", "creator"})


@dataclass(frozen=True, slots=True)
class MetaFacts:
    """Candidates from meta tags and microdata, best first; strings raw, URLs absolute.

    ``generic_dates`` holds ``date``/``dc.date``/``dcterms.date``, kept apart from the
    publication-date keys in ``published``."""

    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    og_type: str | None = None
    published: tuple[str, ...] = ()
    generic_dates: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def read_meta_tags(tree: lxml.html.HtmlElement, page_url: str) -> MetaFacts:
    """Everything the page's `<meta>`, `<link rel=canonical>`, `lang` and microdata say."""
    values: dict[str, list[str]] = {}
    main = next(iter(_MAIN_SCOPE(tree)), None)
    for element in _METAS(tree)[:MAX_TAGS]:
        key = _key(element)
        if key in _MICRODATA_AUTHOR_KEYS and _of_nested_work(element, main):
            continue  # ``<meta itemprop="author">`` of a cited work
        content = element.get("content") or element.get("value") or element.get("datetime")
        content = " ".join((content or "").split())
        if key and content:
            values.setdefault(key, []).append(content[:2000])
    for element in _microdata(tree, main):
        key = element.get("itemprop", "").lower()
        values.setdefault(key, []).append(_microdata_value(element, key))

    def first(keys: tuple[str, ...]) -> str | None:
        return next((values[key][0] for key in keys if values.get(key)), None)

    def every(keys: tuple[str, ...]) -> tuple[str, ...]:
        found = (value for key in keys for value in values.get(key, ()) if value)
        return tuple(dict.fromkeys(found))

    canonical = next(iter(_CANONICAL(tree)), None) or first(("og:url",))
    image = first(_IMAGE_KEYS)
    og_type = first(("og:type",))
    return MetaFacts(
        title=first(_TITLE_KEYS) or _title_element(tree),
        description=first(_DESCRIPTION_KEYS),
        site_name=first(_SITE_KEYS),
        image_url=_absolute(image, page_url),
        language=_language(tree, first(_LANGUAGE_KEYS)),
        canonical_url=_absolute(canonical, page_url),
        og_type=og_type.lower() if og_type else None,
        published=every(_PUBLISHED_KEYS),
        generic_dates=every(_GENERIC_DATE_KEYS),
        modified=every(_MODIFIED_KEYS),
        authors=every(_AUTHOR_KEYS) or _labelled_authors(values),
        tags=_tags(values),
    )


def _labelled_authors(values: dict[str, list[str]]) -> tuple[str, ...]:
    """The author in a ``twitter:label1``/``twitter:data1`` pair labelled "Written by"."""
    for index in range(1, 5):
        label = values.get(f"twitter:label{index}", [""])[0].strip(" :").casefold()
        data = values.get(f"twitter:data{index}")
        if label in _AUTHOR_LABELS and data:
            return (data[0],)
    return ()


def _microdata(
    tree: lxml.html.HtmlElement, main: lxml.html.HtmlElement | None
) -> list[lxml.html.HtmlElement]:
    """Microdata dates and authors of the page's own work ``main`` (its first
    ``Article``-like ``itemscope``), not of works nested in it (teasers, citations)."""
    if main is None:
        return _MICRODATA(tree)[:MAX_TAGS]
    own = []
    for element in _MICRODATA(main)[:MAX_TAGS]:
        scope = _OWN_SCOPE(element)
        itemtype = scope[0].get("itemtype", "") if scope else ""
        if not scope or scope[0] is main or not _is_work(itemtype):
            own.append(element)
    return own


def _of_nested_work(element: lxml.html.HtmlElement, main: lxml.html.HtmlElement | None) -> bool:
    """Whether a microdata ``<meta>`` belongs to a work other than the page's own (a cited
    paper, a teaser) rather than to the page's main work or to no work."""
    if element.get("property") or element.get("name"):
        return False
    scope = _OWN_SCOPE(element)
    return bool(scope) and scope[0] is not main and _is_work(scope[0].get("itemtype", ""))


def _is_work(itemtype: str) -> bool:
    return any(word in itemtype for word in ("Article", "Posting", "CreativeWork", "Report"))


def _key(element: lxml.html.HtmlElement) -> str:
    for attribute in ("property", "name", "itemprop", "http-equiv"):
        key = element.get(attribute)
        if key:
            return key.strip().lower()
    return ""


def _microdata_value(element: lxml.html.HtmlElement, key: str) -> str:
    if key.startswith("date"):
        value = element.get("datetime") or element.get("content") or element.text_content()
    else:
        named = _NAME_IN(element)
        value = element.get("content") or (named[0] if named else element).text_content()
    return " ".join(value.split())[:300]


def _title_element(tree: lxml.html.HtmlElement) -> str | None:
    title = tree.find(".//title")
    text = " ".join(title.text_content().split()) if title is not None else ""
    return text or None


def _language(tree: lxml.html.HtmlElement, meta_language: str | None) -> str | None:
    root = tree.getroottree().getroot()
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    value = (declared or meta_language or "").strip().replace("_", "-").split("-")[0].lower()
    return value if value.isalpha() and 2 <= len(value) <= 3 else None


def _absolute(url: str | None, page_url: str) -> str | None:
    if not url:
        return None
    absolute = urljoin(page_url, url.strip())
    return absolute if absolute.startswith(("http://", "https://")) else None


def _tags(values: dict[str, list[str]]) -> tuple[str, ...]:
    """Article tags and section; the SEO ``keywords`` list only when nothing better exists."""
    specific = [v for key in _TAG_KEYS[:-1] for v in values.get(key, ())]
    chosen = specific or values.get("keywords", [])
    words = (word.strip() for value in chosen for word in value.split(","))
    return tuple(dict.fromkeys(word for word in words if word and len(word) <= 60))[:30]
