"""The article body: trafilatura's main-text extraction turned into clean paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import lxml.html
import trafilatura

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
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, slots=True)
class MainText:
    """What trafilatura found: body paragraphs in page order and its own metadata."""

    paragraphs: tuple[str, ...]
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
        favor_precision=options.favor_precision,
    )
    if document is None:
        return MainText(paragraphs=(), meta={})
    meta = {name: getattr(document, name, None) for name in TRAFILATURA_META_FIELDS}
    return MainText(paragraphs=split_paragraphs(document.text or ""), meta=meta)


def clean_text(text: str) -> str:
    """``text`` in NFC with invisible characters removed and whitespace runs made one space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


def split_paragraphs(text: str) -> tuple[str, ...]:
    """The non-empty cleaned lines of ``text``: one paragraph per block trafilatura kept."""
    cleaned = (clean_text(line) for line in text.splitlines())
    return tuple(line for line in cleaned if line)


def join_paragraphs(paragraphs: tuple[str, ...] | list[str]) -> str:
    """The body form: paragraphs separated by one blank line."""
    return "\n\n".join(paragraphs)
