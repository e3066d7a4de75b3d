"""From fetched bytes to a parsed lxml tree, refusing what is not an HTML document."""

from __future__ import annotations

import codecs
import re

import charset_normalizer
import lxml.etree
import lxml.html


class ExtractionError(Exception):
    """A page that cannot be extracted; ``reason`` is a short machine-readable word."""

    reason = "error"


class EmptyDocument(ExtractionError):
    """The document has no content at all."""

    reason = "empty"


class NotHtml(ExtractionError):
    """The document is binary, JSON, plain text or declared as another media type."""

    reason = "not_html"


class DocumentTooLarge(ExtractionError):
    """The document is larger than ``ExtractionOptions.max_html_bytes``."""

    reason = "too_large"


class TooComplex(ExtractionError):
    """The parsed tree has more elements than ``ExtractionOptions.max_tree_elements``."""

    reason = "too_complex"


_HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Labels that browsers (WHATWG Encoding) decode as windows-1252.
_AS_CP1252 = {"iso-8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso8859-1", "cp819"}
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
#: Control characters dropped from a page, one by one (looking each up in a page is faster
#: than a regex scan) and as a class.
_CONTROL_CHAR_LIST = tuple(map(chr, [*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F]))
_CONTROL_CHARS = re.compile(f"[{re.escape(''.join(_CONTROL_CHAR_LIST))}]")
#: Control characters the parser keeps in text (from ``&#12;``-style references) but lxml
#: refuses to set: trafilatura, which rewrites text, then fails and returns nothing.
_NOT_SETTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: A numeric character reference to a character below 32 (with or without its ``;``).
_CONTROL_REFERENCE = re.compile(r"&#(?:0*(?:[12]?[0-9]|3[01])|[xX]0*1?[0-9a-fA-F])(?![0-9a-fA-F])")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SNIFF_CHARS = 4096
#: Nesting depth from which libxml2's HTML parser may have dropped deeper content.
_PARSER_DEPTH_LIMIT = 2000
#: Whether any element is that deep: one step per level, so linear in the tree's size.
_AT_DEPTH_LIMIT = lxml.etree.XPath(f"boolean(/*{'/*' * (_PARSER_DEPTH_LIMIT - 1)})")
#: The same one to four tags (``<div>``, ``<table><tr><td>``, ``</span>``) 32 times in a
#: row: a markup bomb, cut to one copy when it took the parser to its depth limit.
_TAG_RUN = re.compile(r"((?:<[a-zA-Z/][^<>]{0,100}>){1,4}?)\1{31,}")
#: Deepest nesting extraction sees (real pages stay under about 60 levels); trafilatura's
#: table handling and justext are quadratic in depth and the metadata layer recurses over it.
_FLAT_DEPTH = 128
_TOO_DEEP = lxml.etree.XPath(f"boolean(/*{'/*' * _FLAT_DEPTH})")
_AT_FLAT_DEPTH = lxml.etree.XPath("/*" * _FLAT_DEPTH)
#: Every element an `lxml.html.HtmlElement`, chosen in C: lxml.html's own lookup is a Python
#: call for each element Python touches (about 7% of extraction CPU) and only adds form
#: classes (``form``, ``input``...), whose form API extraction never uses.
_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
#: Wrapper chains (each element holding one element, text only before it) this long are cut.
_LONG_CHAIN = 32
#: Elements kept where the part of a tree deeper than ``_FLAT_DEPTH`` is flattened.
_KEPT_DEEP = frozenset({"p", "br", "h1", "h2", "h3", "h4", "h5", "h6"})
_DETECT_BYTES = 256 * 1024
#: Legacy encodings that browsers decode (WHATWG Encoding), as Python codec names.
_WEB_ENCODINGS = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859_2", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_13", "iso8859_15", "koi8_r", "koi8_u", "cp866", "cp874",
    "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb18030", "gbk", "big5", "euc_kr", "cp949",
)  # fmt: skip
#: Chaos (charset-normalizer's mess ratio) within which windows-1252 counts as a tie.
_TIE = 0.02


def decode_document(
    html: bytes | str, content_type: str | None, max_bytes: int
) -> tuple[str, tuple[str, ...]]:
    """The document as text plus flags; raises `ExtractionError`.

    The charset comes from a BOM, else the HTTP ``content_type`` when it names one, else a
    ``<meta charset>`` / ``http-equiv`` declaration, else strict UTF-8, else detection.
    Flags: ``encoding_replaced`` (undecodable bytes substituted), ``encoding_conflict``
    (a declared legacy charset was overruled because the bytes are valid multi-byte UTF-8).
    """
    _check_media_type(content_type)
    size = len(html)
    if size > max_bytes:
        raise DocumentTooLarge(f"document is {size} bytes, limit {max_bytes}")
    if isinstance(html, bytes):
        if html.startswith(_BINARY_MAGIC):
            raise NotHtml("binary data")
        text, flags = _decode_bytes(html, content_type)
    else:
        text, flags = html, ()
    if not text or text.isspace():
        raise EmptyDocument("document is empty")
    _check_looks_like_html(text)
    if any(char in text for char in _CONTROL_CHAR_LIST):
        text = _CONTROL_CHARS.sub("", text)
    return text.replace("\x0c", " "), flags


def parse_document(text: str, max_elements: int) -> lxml.html.HtmlElement:
    """The lxml tree of ``text`` (deep nesting kept); raises `EmptyDocument` / `TooComplex`.

    When the tree reaches libxml2's depth limit (text below it is dropped), the text is
    parsed again with each run of repeated tags cut to one copy, which keeps the text of
    the usual nesting bomb; what is still too deep is flagged by `nesting_flags`.
    """
    text = _XML_DECLARATION.sub("", text, count=1)
    tree = _parse(text)
    if _AT_DEPTH_LIMIT(tree):
        tree = _parse(_TAG_RUN.sub(r"\1", text))
    if _CONTROL_REFERENCE.search(text):
        _blank_control_characters(tree)
    for count, _ in enumerate(tree.iter(), 1):
        if count > max_elements:
            raise TooComplex(f"more than {max_elements} elements")
    if not any(text.strip() for text in tree.itertext()):
        raise EmptyDocument("document has no text")
    return tree


def nesting_flags(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """``("deep_nesting",)`` when the tree reaches the parser's depth limit.

    libxml2 stops nesting at about 2,048 levels (``huge_tree`` or not) and drops the text
    below, so such a page may have lost text: it is flagged, never passed off as whole.
    """
    return ("deep_nesting",) if _AT_DEPTH_LIMIT(tree) else ()


def flatten_nesting(tree: lxml.html.HtmlElement) -> None:
    """Bring a tree deeper than ``_FLAT_DEPTH`` within it, in place, keeping all its text.

    Wrapper chains of ``_LONG_CHAIN`` or more are cut to their ends (their text moved
    up); then below ``_FLAT_DEPTH`` only paragraphs, headings and line breaks keep their
    tags, and if that is still too deep, none. Trees no deeper (every real page) are left
    as they are.
    """
    if not _TOO_DEEP(tree):
        return
    for chain in [chain for top in _chain_tops(tree) if len(chain := _chain(top)) >= _LONG_CHAIN]:
        _cut(chain)
    for kept in (_KEPT_DEEP, frozenset()):
        if not _TOO_DEEP(tree):
            return
        for element in _AT_FLAT_DEPTH(tree):
            inner = {node.tag for node in element.iterdescendants() if isinstance(node.tag, str)}
            if inner - kept:  # the flattened part reads as one block, not inline text
                lxml.etree.strip_tags(element, *(inner - kept))
                element.tag = "div"


def _parse(text: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(
        huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    try:
        return lxml.html.document_fromstring(text, parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise EmptyDocument(f"no HTML document: {exc}") from exc


def _blank_control_characters(tree: lxml.html.HtmlElement) -> None:
    """Control characters in the tree's text become spaces, so the text can be rewritten."""
    for element in tree.iter():
        if element.text and _NOT_SETTABLE.search(element.text):
            element.text = _NOT_SETTABLE.sub(" ", element.text)
        if element.tail and _NOT_SETTABLE.search(element.tail):
            element.tail = _NOT_SETTABLE.sub(" ", element.tail)


def _only_child(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The child of a wrapper: an element holding exactly one element and no text after it."""
    if len(element) != 1:
        return None
    child = element[0]
    if not isinstance(child.tag, str) or (child.tail and child.tail.strip()):
        return None
    return child


def _chain_tops(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Wrappers whose parent is not a wrapper."""
    return [
        element
        for element in tree.iter()
        if _only_child(element) is not None
        and ((parent := element.getparent()) is None or _only_child(parent) is None)
    ]


def _chain(top: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """``top``, its only child, that one's only child... down to the first non-wrapper."""
    chain = [top]
    while (child := _only_child(chain[-1])) is not None:
        chain.append(child)
    return chain


def _cut(chain: list[lxml.html.HtmlElement]) -> None:
    """Drop the middle of a wrapper chain, its text moved up to the top in reading order:
    the second element is replaced by the last one with the same tag (so repeated
    ``table > tr > td`` stay well formed)."""
    second = chain[1]
    last = max((i for i in range(2, len(chain)) if chain[i].tag == second.tag), default=0)
    last = last or len(chain) - 1
    top, keep = chain[0], chain[last]
    top.text = "".join(element.text or "" for element in chain[:last]) or None
    chain[last - 1].remove(keep)
    top.replace(second, keep)


def _check_media_type(content_type: str | None) -> None:
    if not content_type:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in _HTML_MEDIA_TYPES:
        raise NotHtml(f"content type {media_type}")


def _check_looks_like_html(text: str) -> None:
    head = text[:_SNIFF_CHARS]
    controls = len(_CONTROL_CHARS.findall(head))
    if "\x00" in head or controls > len(head) // 50:
        raise NotHtml("binary data")
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "[") or "<" not in head:
        raise NotHtml("no HTML markup")


def _decode_bytes(data: bytes, content_type: str | None) -> tuple[str, tuple[str, ...]]:
    """The text and its decoding flags (see `decode_document`)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], encoding)
    declared = _charset_from_header(content_type) or _charset_from_meta(data)
    utf8 = _strict_utf8(data)
    if declared == "utf-8" and utf8 is not None:
        return utf8, ()
    if declared and declared != "utf-8" and utf8 is not None and not utf8.isascii():
        # Legacy text is almost never valid UTF-8 with multi-byte sequences: the label lies.
        return utf8, ("encoding_conflict",)
    if declared:
        return _decode(data, declared)
    if utf8 is not None:
        return utf8, ()
    return _decode(data, _detect(data[:_DETECT_BYTES]))


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _detect(sample: bytes) -> str:
    """The likeliest web encoding of undeclared non-UTF-8 bytes; windows-1252 on a tie.

    Only encodings browsers support are candidates (DOS and Mac code pages fit arbitrary
    bytes too well), and windows-1252, the web's usual legacy encoding, wins when it is
    as plausible as the best guess.
    """
    results = charset_normalizer.from_bytes(sample, cp_isolation=list(_WEB_ENCODINGS))
    best = results.best()
    if best is None:
        return "cp1252"
    for match in results:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + _TIE:
            return "cp1252"
    return best.encoding


def _decode(data: bytes, encoding: str) -> tuple[str, tuple[str, ...]]:
    try:
        return data.decode(encoding), ()
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace"), ("encoding_replaced",)


def _charset_from_header(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return _usable(match.group(1)) if match else None


def _charset_from_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_SNIFF_CHARS])
    return _usable(match.group(1).decode("ascii", "ignore")) if match else None


def _usable(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # UTF-16/32 declared inside an ASCII-compatible document is a lie browsers ignore.
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name
