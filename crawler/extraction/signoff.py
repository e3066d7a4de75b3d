"""The author's sign-off under an article: a last paragraph that is only a name, set apart in
bold or italics or labelled (``Von X``, ``Autoren X und Y``)."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from crawler.extraction.authors import parse_byline, printed_name
from crawler.extraction.page_regions import is_off_article

#: Sign-offs looked at per page.
MAX_CANDIDATES = 40
#: Body text that must stand before a sign-off in the same container.
MIN_TEXT_BEFORE = 200
#: Longer lines are text, not a sign-off.
MAX_SIGNOFF_CHARS = 80

#: Words that open a signed line (``Von Jane Doe``, ``Autoren: A und B``), lower-case.
_SIGNED = ("von", "by", "par", "text", "autor", "author", "auteur")
_LABEL = re.compile(r"^(?:von|by|par|text|autor(?:in|en|innen)?|authors?|auteurs?)\b", re.I)
_STARTS_SIGNED = " or ".join(
    f"starts-with(translate(normalize-space(), 'VBPTA', 'vbpta'), '{word}')" for word in _SIGNED
)
#: Paragraphs with no text of their own whose content sits in one emphasis element, and
#: short paragraphs that start with a byline label.
_CANDIDATES = etree.XPath(
    "//body//p[not(normalize-space(text()))][count(*)=1]"
    "[*[self::b or self::strong or self::em or self::i]]"
    f" | //body//p[string-length(normalize-space()) < {MAX_SIGNOFF_CHARS}][{_STARTS_SIGNED}]"
)


def signoff_authors(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Names from the first sign-off on the page: ``<p><b><i>Stefan Wasmer</i></b></p>`` or
    ``<p>Autoren Jelko Djuren und Jutta Klaukien</p>`` as the last paragraph of a container
    that holds the article's text before it; a bold subheading, followed by more text, is
    not one."""
    for paragraph in _CANDIDATES(tree)[:MAX_CANDIDATES]:
        text = " ".join(paragraph.text_content().split())
        if not text or len(text) > MAX_SIGNOFF_CHARS or not _ends_its_container(paragraph):
            continue
        if any(is_off_article(node) for node in paragraph.iterancestors()):
            continue
        _, authors = parse_byline(text)
        if authors and (printed_name(text) or _LABEL.match(text)):
            return authors
    return ()


def _ends_its_container(paragraph: lxml.html.HtmlElement) -> bool:
    """Whether nothing but whitespace follows ``paragraph`` in its parent, and at least
    ``MIN_TEXT_BEFORE`` characters of text stand before it there."""
    if (paragraph.tail or "").strip():
        return False
    for sibling in paragraph.itersiblings():
        if (
            isinstance(sibling.tag, str)
            and sibling.tag not in ("br", "script", "style")
            and (" ".join(sibling.text_content().split()) or sibling.tag in ("img", "figure"))
        ):
            return False
        if (sibling.tail or "").strip():
            return False
    before = sum(
        len(" ".join(sibling.text_content().split()))
        for sibling in paragraph.itersiblings(preceding=True)
        if isinstance(sibling.tag, str) and sibling.tag in ("p", "div", "blockquote", "ul")
    )
    return before >= MIN_TEXT_BEFORE
