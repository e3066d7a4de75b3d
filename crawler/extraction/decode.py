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
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SNIFF_CHARS = 4096
#: Nesting depth from which libxml2's HTML parser may have dropped deeper content.
_PARSER_DEPTH_LIMIT = 2000
#: Whether any element is that deep: one step per level, so linear in the tree's size.
_AT_DEPTH_LIMIT = lxml.etree.XPath(f"boolean(/*{'/*' * (_PARSER_DEPTH_LIMIT - 1)})")
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
    if not text.strip():
        raise EmptyDocument("document is empty")
    _check_looks_like_html(text)
    return _CONTROL_CHARS.sub("", text), flags


def parse_document(text: str, max_elements: int) -> lxml.html.HtmlElement:
    """The lxml tree of ``text`` (deep nesting kept); raises `EmptyDocument` / `TooComplex`."""
    parser = lxml.html.HTMLParser(
        huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False
    )
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1), parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise EmptyDocument(f"no HTML document: {exc}") from exc
    for count, _ in enumerate(tree.iter(), 1):
        if count > max_elements:
            raise TooComplex(f"more than {max_elements} elements")
    if not tree.text_content().strip():
        raise EmptyDocument("document has no text")
    return tree


def nesting_flags(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """``("deep_nesting",)`` when the tree reaches the parser's depth limit.

    libxml2 stops nesting at about 2,048 levels (``huge_tree`` or not) and drops the text
    below, so such a page may have lost text: it is flagged, never passed off as whole.
    """
    return ("deep_nesting",) if _AT_DEPTH_LIMIT(tree) else ()


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
