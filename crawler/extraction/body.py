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
from crawler.extraction.stoplist import use_all_stopwords

use_all_stopwords()

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
#: Structured-data copies the page hides from readers (``display:none`` microdata blocks
#: repeating the headline, dates and image URLs).
_HIDDEN = (
    "//*[(@itemscope or @itemprop) and (contains(translate(@style, ' ', ''), 'display:none')"
    " or contains(translate(@style, ' ', ''), 'visibility:hidden'))]"
)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_WORD_CHAR = re.compile(r"\w")
#: Han ideographs and kana: Chinese and Japanese are written without spaces between words.
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"
)
#: Han and kana characters per word (Chinese and Japanese words average about two).
_CJK_CHARS_PER_WORD = 2
_BLOCK_TAGS = "self::p or self::h2 or self::h3 or self::h4 or self::li or self::blockquote"
#: Paragraph-like elements not inside another one; a div counts when it holds none.
_LEAF_BLOCKS = (
    f".//*[{_BLOCK_TAGS} or self::div[not(.//*[{_BLOCK_TAGS} or self::div])]]"
    f"[not(ancestor::*[{_BLOCK_TAGS}])]"
)


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
        prune_xpath=_HIDDEN,
        # htmldate's extensive search sends text to dateparser with every locale (seconds)
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if not isinstance(document, Document):
        return MainText(blocks=(), meta={})
    meta = {name: getattr(document, name, None) for name in TRAFILATURA_META_FIELDS}
    body = document.body
    return MainText(blocks=tuple(tree_blocks(body)) if body is not None else (), meta=meta)


def tree_blocks(body: lxml.etree._Element) -> Iterator[Block]:
    """The blocks of a trafilatura output tree: one per line of each paragraph/item/row.

    Lines break at ``<lb>`` (and between rows, items, cells); a newline the page's source
    had inside a paragraph is only layout and becomes a space.
    """
    for element in _block_elements(body):
        share = share_of_links(element, "ref")
        lxml.etree.strip_tags(element, "ref")
        _unwrap_source_lines(element)
        kind = _KINDS.get(element.tag, "other")
        for line in xmltotxt(element, False).splitlines():
            text = clean_text(line)
            if _WORD_CHAR.search(text):
                yield Block(text, kind, share)


def _unwrap_source_lines(element: lxml.etree._Element) -> None:
    """Newlines in text become spaces, except inside ``code`` (the tree is trafilatura's copy)."""
    for node in element.iter():
        in_code = node.tag == "code" or any(a.tag == "code" for a in node.iterancestors())
        if node.text and "\n" in node.text and not in_code:
            node.text = node.text.replace("\n", " ")
        if node is not element and node.tail and "\n" in node.tail:
            node.tail = node.tail.replace("\n", " ")


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
            share = share_of_links(element, "a")
            for line in text_with_breaks(element).splitlines():
                text = clean_text(line)
                if _WORD_CHAR.search(text):
                    yield Block(text, kind, share)


def text_with_breaks(element: lxml.html.HtmlElement) -> str:
    """The element's text with a newline for each ``<br>`` (the tree is left untouched)."""
    parts = ["\n" if element.tag == "br" else element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(text_with_breaks(child))
        parts.append(child.tail or "")
    return "".join(parts)


def clean_text(text: str) -> str:
    """``text`` in NFC, invisible characters removed, each whitespace run (no-break spaces
    too: mostly ``&nbsp;`` left by editors) made one plain space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens, where Han and kana count as one word
    per two characters (rounded up per token), so Chinese and Japanese are not one "word"
    per sentence. Text without Han or kana counts exactly as ``len(text.split())``."""
    if not _CJK_CHAR.search(text):
        return len(text.split())
    words = 0
    for token in text.split():
        cjk = len(_CJK_CHAR.findall(token))
        if not cjk:
            words += 1
            continue
        words += -(-cjk // _CJK_CHARS_PER_WORD)
        words += 1 if _WORD_CHAR.search(_CJK_CHAR.sub("", token)) else 0
    return words


def join_blocks(blocks: Iterable[Block]) -> str:
    """The body form: one paragraph per block, separated by one blank line."""
    return "\n\n".join(block.text for block in blocks)


def _block_elements(body: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    for element in body:
        if element.tag == "list":
            yield from (item for item in element if item.tag == "item")
        else:
            yield element


def share_of_links(element: lxml.etree._Element, link_tag: str) -> float:
    """The share of the element's characters inside ``link_tag`` elements."""
    total = len("".join(element.itertext()).strip())
    if not total:
        return 0.0
    linked = sum(len("".join(link.itertext()).strip()) for link in element.iter(link_tag))
    return min(1.0, linked / total)
