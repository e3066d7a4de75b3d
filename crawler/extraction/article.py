"""`extract_article`: one news page in, one clean `Article` out (pure: no I/O, no clock)."""

from __future__ import annotations

import re
from datetime import datetime

import lxml.etree
import lxml.html

from crawler.extraction.body import (
    Block,
    count_words,
    extract_main_text,
    html_blocks,
    join_blocks,
    select_all,
)
from crawler.extraction.boilerplate import PageHints, strip_boilerplate
from crawler.extraction.classify import is_article_page
from crawler.extraction.decode import (
    TooComplex,
    decode_document,
    flatten_nesting,
    nesting_flags,
    parse_document,
)
from crawler.extraction.links import page_links
from crawler.extraction.metadata import extract_metadata
from crawler.extraction.options import ExtractionOptions
from crawler.extraction.recover import recover_missing
from crawler.items import Article

#: How many elements before the headline are read for site taglines and kickers.
_ABOVE_HEADLINE_ELEMENTS = 2000
#: Texts before the headline longer than this are not a tagline or a kicker.
_ABOVE_HEADLINE_CHARS = 200
#: `` - Site``, `` | Site``: the site name some titles end with.
_TITLE_SUFFIX = re.compile(r"\s+[-|–—:·]\s+[^-|–—:·]{1,60}$")


def extract_article(
    html: bytes | str,
    url: str,
    fetched_at: datetime,
    options: ExtractionOptions | None = None,
    *,
    content_type: str | None = None,
) -> Article:
    """The article in ``html`` fetched from ``url`` at ``fetched_at`` (aware).

    ``content_type`` is the HTTP header (its charset wins). Raises `ExtractionError`
    subclasses for documents that are empty, not HTML, too large or too complex.
    """
    try:
        return _extract(html, url, fetched_at, options or ExtractionOptions(), content_type)
    except RecursionError as exc:  # nesting that lxml kept but the libraries recurse over
        raise TooComplex("the page is nested too deeply to extract") from exc


def _extract(
    html: bytes | str,
    url: str,
    fetched_at: datetime,
    options: ExtractionOptions,
    content_type: str | None,
) -> Article:
    text, decode_flags = decode_document(html, content_type, options.max_html_bytes)
    tree = parse_document(text, options.max_tree_elements)
    parse_flags = decode_flags + nesting_flags(tree)
    flatten_nesting(tree)
    links = page_links(tree, url) if options.collect_links else ()
    main = extract_main_text(tree, url, options)
    meta = extract_metadata(tree, url, fetched_at, options, main.meta)
    hints = PageHints(
        headlines=_headlines(tree, meta.title, main.meta.get("title")),
        byline_lines=meta.byline_lines,
        summaries=_summaries(tree, meta.description),
        above_headline=_above_headline(tree),
    )
    provenance = dict(meta.provenance)
    chosen = _override_blocks(tree, options.overrides.body)
    if chosen:
        blocks = chosen
        provenance["body"] = "site-override"
    else:
        blocks = recover_missing(tree, main.blocks)
    blocks = strip_boilerplate(blocks, hints)
    body = join_blocks(blocks)
    return Article(
        url=url,
        fetched_at=fetched_at,
        body=body,
        title=meta.title,
        canonical_url=meta.canonical_url,
        authors=meta.authors,
        byline=meta.byline,
        published_at=meta.published.value if meta.published else None,
        published_raw=meta.published.raw if meta.published else None,
        published_tz=meta.published.tz if meta.published else None,
        modified_at=meta.modified.value if meta.modified else None,
        modified_raw=meta.modified.raw if meta.modified else None,
        language=meta.language,
        description=meta.description,
        site_name=meta.site_name,
        tags=meta.tags,
        image_url=meta.image_url,
        word_count=count_words(body),
        is_article=is_article_page(url, meta, tree, [b.text for b in blocks]),
        provenance=provenance,
        flags=parse_flags + meta.flags,
        links=links,
    )


def _override_blocks(tree: lxml.html.HtmlElement, selector: str | None) -> tuple[Block, ...]:
    """The body blocks a site override selects, empty when it selects nothing."""
    return tuple(html_blocks(select_all(tree, selector))) if selector else ()


def _headlines(tree: lxml.html.HtmlElement, *titles: str | None) -> tuple[str, ...]:
    """Every form of the headline a page may repeat at the top of its body."""
    found = [t for t in titles if t]
    found += tree.xpath("//meta[@property='og:title' or @name='twitter:title']/@content")
    found += [h1.text_content() for h1 in tree.iter("h1")]
    found += [title.text_content() for title in tree.iter("title")]
    return tuple({form for text in found for form in (text, _TITLE_SUFFIX.sub("", text))})


def _above_headline(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Short texts before the first ``<h1>`` in page order (site header, tagline, kicker).

    Only elements that do not contain the headline count, and only the first
    `_ABOVE_HEADLINE_ELEMENTS` elements are looked at.
    """
    headline = next(tree.iter("h1"), None)
    if headline is None:
        return ()
    ancestors = set(headline.iterancestors())
    known: dict[lxml.html.HtmlElement, str | None] = {}
    found: list[str] = []
    for count, element in enumerate(tree.iter(lxml.etree.Element)):
        if element is headline or count > _ABOVE_HEADLINE_ELEMENTS:
            break
        if element not in ancestors and element.tag not in ("script", "style", "head"):
            raw = _bounded_text(element, _ABOVE_HEADLINE_CHARS * 4, known)
            text = " ".join(raw.split()) if raw else ""
            if text and len(text) <= _ABOVE_HEADLINE_CHARS:
                found.append(text)
    return tuple(dict.fromkeys(found))


def _bounded_text(
    element: lxml.html.HtmlElement, limit: int, known: dict[lxml.html.HtmlElement, str | None]
) -> str | None:
    """The element's text when it has at most ``limit`` characters (read no further), else
    None; ``known`` keeps each element's answer, so nested elements are read once."""
    if element in known:
        return known[element]
    parts = [element.text or ""]
    size = len(parts[0])
    for child in element:
        inner = _bounded_text(child, limit, known) if isinstance(child.tag, str) else ""
        if inner is None:
            size = limit + 1
            break
        parts += (inner, child.tail or "")
        size += len(inner) + len(parts[-1])
        if size > limit:
            break
    text = "".join(parts) if size <= limit else None
    known[element] = text
    return text


def _summaries(tree: lxml.html.HtmlElement, description: str | None) -> tuple[str, ...]:
    """The page's descriptions: a standfirst repeating one of them is not body text."""
    found = tree.xpath(
        "//meta[@name='description' or @property='og:description'"
        " or @name='twitter:description']/@content"
    )
    return tuple(dict.fromkeys(text for text in [description, *found] if text))
