"""A second look at the page tree: article parts the extractor left out."""

from __future__ import annotations

import re

import lxml.html

from crawler.extraction.body import Block, clean_text, share_of_links, text_with_breaks

#: Body paragraphs at least this long are looked up in the page to find their container.
_ANCHOR_CHARS = 80
#: ... by their first this many words.
_ANCHOR_WORDS = 10
#: A sibling container must add at least this much text.
_CHUNK_MIN_CHARS = 150
#: Embedded social posts whose text belongs to the article (quoted posts).
_EMBEDS = (
    "//blockquote[contains(concat(' ', normalize-space(@class), ' '), ' twitter-tweet ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' instagram-media ')]"
)
_WORDS = re.compile(r"\w+")
_SENTENCE_ENDS = (".", "!", "?", "\u201d", '"')


def recover_missing(tree: lxml.html.HtmlElement, blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """``blocks`` plus article parts trafilatura left out, each placed where the page has it.

    Two kinds are added. Sibling containers: some templates cut an article into several
    containers with the same tag and class (around ads or newsletter boxes) and trafilatura
    keeps the first; a container beside the main one (under the same grandparent) with a
    real paragraph not yet in the body is added. Embedded posts: quoted tweets and Instagram
    posts between the first and the last body paragraph.
    """
    keys = [_key(block.text) for block in blocks]
    known = set(keys)
    body = " ".join(key for key in keys if key)  # the key of the whole body text
    index_of = {_anchor(b.text): i for i, b in enumerate(blocks) if len(b.text) >= _ANCHOR_CHARS}
    sources = {
        paragraph: index_of[key]
        for paragraph in tree.iter("p")
        if (key := _anchor(paragraph.text_content())) in index_of
    }
    if not sources:
        return blocks
    additions: list[tuple[lxml.html.HtmlElement, list[Block]]] = []
    main = _main_container(sources)
    if main is not None:
        for chunk in _sibling_chunks(main):
            found = _new_paragraphs(chunk, known)
            if _is_article_text(found):
                additions.append((chunk, found))
    for embed in tree.xpath(_EMBEDS):
        found = _embed_blocks(embed)
        if found and _key(found[0].text) not in body:
            additions.append((embed, found))
    return _merge(tree, blocks, sources, additions) if additions else blocks


def _merge(
    tree: lxml.html.HtmlElement,
    blocks: tuple[Block, ...],
    sources: dict[lxml.html.HtmlElement, int],
    additions: list[tuple[lxml.html.HtmlElement, list[Block]]],
) -> tuple[Block, ...]:
    """Insert each addition after the last body paragraph that precedes it in the page.

    Embedded posts outside the body's span (before its first or after its last source
    paragraph) are sidebar widgets and are dropped.
    """
    order = {element: position for position, element in enumerate(tree.iter())}
    first, last = min(order[p] for p in sources), max(order[p] for p in sources)
    placed: dict[int, list[Block]] = {}
    for element, found in additions:
        position = order[element]
        if element.tag == "blockquote" and not first < position < last:
            continue
        before = [i for p, i in sources.items() if order[p] < position]
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
        if _WORDS.search(text) and _key(text) not in known:
            found.append(Block(text, "p", share_of_links(paragraph, "a")))
    return found


def _is_article_text(blocks: list[Block]) -> bool:
    """Enough unlinked text, with at least one full sentence of some length."""
    text = [b.text for b in blocks if b.link_share < 0.5]
    return sum(map(len, text)) >= _CHUNK_MIN_CHARS and any(
        len(t.split()) >= 12 and t.endswith(_SENTENCE_ENDS) for t in text
    )


def _embed_blocks(embed: lxml.html.HtmlElement) -> list[Block]:
    """A quoted post: its paragraphs, then the attribution line (``— Name (@handle) date``)."""
    found = []
    attribution = [embed.text or ""]
    for child in embed:
        if child.tag == "p":
            found += [clean_text(line) for line in text_with_breaks(child).splitlines()]
        elif isinstance(child.tag, str):
            attribution.append(child.text_content())
        attribution.append(child.tail or "")
    found.append(clean_text("".join(attribution)))
    return [Block(text, "quote") for text in found if _WORDS.search(text)]


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _anchor(text: str) -> str:
    """The first words of a paragraph: enough to find it, robust to how its end renders."""
    return " ".join(_WORDS.findall(text.casefold())[:_ANCHOR_WORDS])
