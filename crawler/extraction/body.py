"""The article body: trafilatura's main-text tree turned into clean text blocks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from crawler.extraction.options import ExtractionOptions

#: Fields of trafilatura's document handed to the metadata layer.
TRAFILATURA_META_FIELDS = (
    "author",
    "date",
    "title",
    "sitename",
    "description",
    "categories",
    "tags",
    "image",
    "language",
    "hostname",
)
BlockKind = Literal["p", "head", "item", "quote", "table", "other"]
_KINDS: dict[str, BlockKind] = {
    "p": "p",
    "head": "head",
    "item": "item",
    "quote": "quote",
    "table": "table",
}
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_WORD_CHAR = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_BLOCK_TAGS = "self::p or self::h2 or self::h3 or self::h4 or self::li or self::blockquote"
#: Paragraph-like elements not inside another one; a div counts when it holds none.
_LEAF_BLOCKS = (
    f".//*[{_BLOCK_TAGS} or self::div[not(.//*[{_BLOCK_TAGS} or self::div])]]"
    f"[not(ancestor::*[{_BLOCK_TAGS}])]"
)
#: Body paragraphs at least this long are looked up in the page to find their container.
_ANCHOR_CHARS = 80
#: At most this many leading blocks can be header text above the byline.
_HEADER_MAX_BLOCKS = 2
#: A sibling container must add at least this much text.
_CHUNK_MIN_CHARS = 150


@dataclass(frozen=True, slots=True)
class Block:
    """One line of body text, what kind of element it came from and how much of it is links."""

    text: str
    kind: BlockKind = "p"
    link_share: float = 0.0


@dataclass(frozen=True, slots=True)
class MainText:
    """What trafilatura found: body blocks in page order and its own metadata."""

    blocks: tuple[Block, ...]
    meta: dict[str, Any]


def extract_main_text(
    tree: lxml.html.HtmlElement, url: str, options: ExtractionOptions
) -> MainText:
    """Trafilatura's main text of ``tree`` (which it copies, so ``tree`` is left intact)."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_links=True,
        favor_precision=options.favor_precision,
    )
    if not isinstance(document, Document):
        return MainText(blocks=(), meta={})
    meta = {name: getattr(document, name, None) for name in TRAFILATURA_META_FIELDS}
    body = document.body
    return MainText(blocks=tuple(tree_blocks(body)) if body is not None else (), meta=meta)


def tree_blocks(body: lxml.etree._Element) -> Iterator[Block]:
    """The blocks of a trafilatura output tree: one per line of each paragraph/item/row."""
    for element in _block_elements(body):
        share = _link_share(element, "ref")
        lxml.etree.strip_tags(element, "ref")
        kind = _KINDS.get(element.tag, "other")
        for line in xmltotxt(element, False).splitlines():
            text = clean_text(line)
            if _WORD_CHAR.search(text):
                yield Block(text, kind, share)


def select_all(tree: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    """Elements matching a CSS selector, or XPath when it starts with ``/`` or ``(``.

    An invalid selector matches nothing.
    """
    try:
        found = (
            tree.xpath(selector) if selector.startswith(("/", "(")) else tree.cssselect(selector)
        )
    except (lxml.etree.XPathError, ValueError, SyntaxError):
        return []
    return [item for item in found if isinstance(item, lxml.html.HtmlElement)]


def html_blocks(elements: Iterable[lxml.html.HtmlElement]) -> Iterator[Block]:
    """Blocks of raw HTML elements (a site override's body): one per paragraph-like element
    (a ``p``, heading, list item, quote, or a ``div`` holding no such element), one per
    line where ``<br>`` breaks it."""
    for container in elements:
        parts = container.xpath(_LEAF_BLOCKS) or [container]
        for element in parts:
            kind: BlockKind = "head" if element.tag in ("h2", "h3", "h4") else "p"
            share = _link_share(element, "a")
            for line in _text_with_breaks(element).splitlines():
                text = clean_text(line)
                if _WORD_CHAR.search(text):
                    yield Block(text, kind, share)


def _text_with_breaks(element: lxml.html.HtmlElement) -> str:
    """The element's text with a newline for each ``<br>`` (the tree is left untouched)."""
    parts = ["\n" if element.tag == "br" else element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text_with_breaks(child))
        parts.append(child.tail or "")
    return "".join(parts)


def clean_text(text: str) -> str:
    """``text`` in NFC with invisible characters removed and whitespace runs made one space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


def join_blocks(blocks: Iterable[Block]) -> str:
    """The body form: one paragraph per block, separated by one blank line."""
    return "\n\n".join(block.text for block in blocks)


def _block_elements(body: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    for element in body:
        if element.tag == "list":
            yield from (item for item in element if item.tag == "item")
        else:
            yield element


def _link_share(element: lxml.etree._Element, link_tag: str) -> float:
    """The share of the element's characters inside ``link_tag`` elements."""
    total = len("".join(element.itertext()).strip())
    if not total:
        return 0.0
    linked = sum(len("".join(link.itertext()).strip()) for link in element.iter(link_tag))
    return min(1.0, linked / total)


def recover_chunks(tree: lxml.html.HtmlElement, blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """``blocks`` plus the paragraphs of sibling containers the extractor left out.

    Some templates cut an article into several containers with the same tag and class
    (around ads or newsletter boxes) and trafilatura keeps the first. A container is added
    when it sits beside the main one (under the same grandparent), has its tag and class,
    and holds a real paragraph that is not yet in the body. Its paragraphs go after the
    last body paragraph that precedes it in the page.
    """
    keys = {_key(block.text) for block in blocks}
    sources: dict[lxml.html.HtmlElement, int] = {}
    index_of = {_key(b.text): i for i, b in enumerate(blocks) if len(b.text) >= _ANCHOR_CHARS}
    for paragraph in tree.iter("p"):
        index = index_of.get(_key(paragraph.text_content()))
        if index is not None:
            sources[paragraph] = index
    main = _main_container(sources)
    if main is None:
        return blocks
    chunks = [(chunk, _new_paragraphs(chunk, keys)) for chunk in _sibling_chunks(main)]
    chunks = [(chunk, found) for chunk, found in chunks if _is_article_text(found)]
    if not chunks:
        return blocks
    order = {element: position for position, element in enumerate(tree.iter())}
    placed: dict[int, list[Block]] = {}
    for chunk, found in chunks:
        before = [i for p, i in sources.items() if order[p] < order[chunk]]
        placed.setdefault(max(before, default=-1), []).extend(found)
    merged = placed.get(-1, [])
    for index, block in enumerate(blocks):
        merged += [block, *placed.get(index, [])]
    return tuple(merged)


def _main_container(sources: dict[lxml.html.HtmlElement, int]) -> lxml.html.HtmlElement | None:
    """The element holding most extracted paragraphs, if it has a class to match on."""
    counts: dict[lxml.html.HtmlElement, int] = {}
    for paragraph in sources:
        parent = paragraph.getparent()
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
    main = max(counts, key=counts.__getitem__, default=None)
    return main if main is not None and main.get("class") else None


def _sibling_chunks(main: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    parent = main.getparent()
    top = parent.getparent() if parent is not None else None
    if top is None:
        return []
    return [
        element
        for element in top.xpath("./* | ./*/*")
        if element is not main
        and element.tag == main.tag
        and element.get("class") == main.get("class")
    ]


def _new_paragraphs(chunk: lxml.html.HtmlElement, known: set[str]) -> list[Block]:
    found = []
    for paragraph in chunk.xpath(".//p[not(ancestor::p)]"):
        text = clean_text(paragraph.text_content())
        if _WORD_CHAR.search(text) and _key(text) not in known:
            found.append(Block(text, "p", _link_share(paragraph, "a")))
    return found


def _is_article_text(blocks: list[Block]) -> bool:
    """Enough unlinked text, with at least one full sentence of some length."""
    text = [b.text for b in blocks if b.link_share < 0.5]
    return sum(map(len, text)) >= _CHUNK_MIN_CHARS and any(
        len(t.split()) >= 12 and t.endswith((".", "!", "?", "\u201d", '"')) for t in text
    )


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def header_blocks(
    tree: lxml.html.HtmlElement, blocks: tuple[Block, ...], byline_lines: tuple[str, ...]
) -> int:
    """How many leading blocks come before the byline/date line on the page.

    Text above the byline that the extractor kept (a standfirst, a kicker) belongs to the
    article's header, not its body. Only the first few blocks are considered, and only when
    the byline sits between them and the rest of the body.
    """
    keys = [_key(line) for line in byline_lines if _key(line)]
    if not keys or not blocks:
        return 0
    page = _key(" ".join(tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]")))
    spans: list[tuple[int, int]] = []
    for block in blocks[: _HEADER_MAX_BLOCKS + 1]:
        key = _key(block.text)
        start = page.find(key, spans[-1][1] if spans else 0)
        if start < 0:
            return 0
        spans.append((start, start + len(key)))
    for count in range(1, len(spans)):
        gap = page[spans[count - 1][1] : spans[count][0]]
        if any(key in gap for key in keys):
            return count
    return 0
