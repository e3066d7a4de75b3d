"""Decoding and parsing: charset precedence, and typed errors for what is not a document."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import lxml.html
import pytest

from crawler.extraction import (
    DocumentTooLarge,
    EmptyDocument,
    ExtractionError,
    ExtractionOptions,
    NotHtml,
    TooComplex,
    extract_article,
)
from crawler.extraction.decode import (
    decode_document,
    flatten_nesting,
    nesting_flags,
    parse_document,
)

LIMIT = 8 * 1024 * 1024
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>T</title></head><body><p>{text}</p></body></html>"


def test_charset_from_http_header_wins_over_meta() -> None:
    data = page("Caf\u00e9 cr\u00e8me", '<meta charset="utf-8">').encode("cp1252")
    text, flags = decode_document(data, "text/html; charset=windows-1252", LIMIT)
    assert "Caf\u00e9 cr\u00e8me" in text
    assert flags == ()


def test_charset_from_meta_http_equiv_when_header_has_none() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    data = page("\u201cquoted\u201d \u20ac5", head).encode("cp1252")
    text, _ = decode_document(data, "text/html", LIMIT)
    assert "\u201cquoted\u201d \u20ac5" in text


def test_latin1_label_decodes_as_windows_1252_like_browsers() -> None:
    data = page("\u201cq\u201d", '<meta charset="iso-8859-1">').encode("cp1252")
    text, _ = decode_document(data, None, LIMIT)
    assert "\u201cq\u201d" in text


def test_bom_wins_over_a_wrong_meta_charset() -> None:
    data = codecs.BOM_UTF8 + page("\u00fcber", '<meta charset="windows-1252">').encode("utf-8")
    text, _ = decode_document(data, None, LIMIT)
    assert "\u00fcber" in text


def test_undeclared_non_utf8_bytes_are_detected() -> None:
    sentence = (
        "Les cr\u00eapes du caf\u00e9 \u00e9taient d\u00e9licieuses "
        "et tr\u00e8s r\u00e9put\u00e9es. " * 20
    )
    text, _ = decode_document(page(sentence).encode("cp1252"), None, LIMIT)
    assert "cr\u00eapes du caf\u00e9" in text


@pytest.mark.parametrize("header", ["windows-1251", "windows-1252", "koi8-r", "shift_jis"])
def test_utf8_bytes_under_a_wrong_legacy_label_are_read_as_utf8_and_flagged(header: str) -> None:
    data = page("\u041f\u0440\u0438\u0432\u0435\u0442, caf\u00e9", '<meta charset="utf-8">')
    text, flags = decode_document(data.encode("utf-8"), f"text/html; charset={header}", LIMIT)
    assert "\u041f\u0440\u0438\u0432\u0435\u0442, caf\u00e9" in text
    assert flags == ("encoding_conflict",)


def test_ascii_under_a_legacy_label_is_no_conflict() -> None:
    text, flags = decode_document(page("plain").encode(), "text/html; charset=koi8-r", LIMIT)
    assert "plain" in text and flags == ()


def test_undecodable_bytes_are_replaced_and_flagged() -> None:
    data = page("ok").encode() + b"\xff\xfe\xfa bad"
    text, flags = decode_document(data, "text/html; charset=utf-8", LIMIT)
    assert "\ufffd" in text
    assert flags == ("encoding_replaced",)


def test_unknown_charset_label_falls_back_to_utf8() -> None:
    data = page("na\u00efve", '<meta charset="x-no-such-charset">').encode("utf-8")
    text, _ = decode_document(data, None, LIMIT)
    assert "na\u00efve" in text


@pytest.mark.parametrize(
    ("data", "content_type", "error"),
    [
        (b"", None, EmptyDocument),
        (b"   \n\t  ", None, EmptyDocument),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", None, NotHtml),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None, NotHtml),
        (bytes(range(256)) * 8, None, NotHtml),
        (b'{"title": "not a page"}', None, NotHtml),
        (b"just some plain words without any markup", None, NotHtml),
        (page("x").encode(), "application/json", NotHtml),
        (page("x").encode(), "image/png", NotHtml),
    ],
)
def test_not_a_document_raises_a_typed_error(
    data: bytes, content_type: str | None, error: type[ExtractionError]
) -> None:
    with pytest.raises(error) as raised:
        extract_article(data, "https://example.com/a", NOW, content_type=content_type)
    assert raised.value.reason == error.reason
    assert isinstance(raised.value, ExtractionError)


def test_document_over_the_size_limit_is_refused() -> None:
    options = ExtractionOptions(max_html_bytes=1000)
    with pytest.raises(DocumentTooLarge) as raised:
        extract_article(page("x" * 2000).encode(), "https://example.com/a", NOW, options)
    assert raised.value.reason == "too_large"


def test_tree_over_the_element_limit_is_refused() -> None:
    html = page("".join("<span>x</span>" for _ in range(600)))
    with pytest.raises(TooComplex) as raised:
        parse_document(html, max_elements=500)
    assert raised.value.reason == "too_complex"


def test_every_parsed_element_has_the_html_element_api_forms_included() -> None:
    html = page(
        "Sign up <form action='/s'><label for='e'>Email</label><input id='e' name='e'>"
        "<select name='t'><option>Daily</option></select><textarea>Hi</textarea></form>"
    )
    tree = parse_document(html, max_elements=500)
    assert {type(element) for element in tree.iter(lxml.html.etree.Element)} == {
        lxml.html.HtmlElement
    }
    form = next(tree.iter("form"))
    assert form.text_content() == "EmailDailyHi"
    form.drop_tree()
    assert tree.text_content() == "TSign up "


def test_markup_without_text_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        extract_article(b"<html><body><div></div></body></html>", "https://e.com/a", NOW)


def test_text_nested_deeper_than_libxml2_default_limit_is_kept() -> None:
    depth = 400
    html = (
        "<html><body>"
        + "<div>" * depth
        + "<p>Deep paragraph with enough words to count as the body of the page.</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    tree = parse_document(html, max_elements=10_000)
    assert "Deep paragraph" in tree.text_content()


@pytest.mark.parametrize(
    ("bomb", "flagged"), [("<div>" * 400, False), ("<div>" * 3000, False), ("<b>x" * 3000, True)]
)
def test_text_at_the_parser_depth_limit_is_flagged_not_lost_silently(
    bomb: str, flagged: bool
) -> None:
    """Past libxml2's depth limit a run of repeated tags is cut and the text kept; a bomb
    with text at every level cannot be cut, and is flagged."""
    paragraph = "<p>Deep paragraph with enough words to count as the body of the page.</p>"
    html = f"<html><body><p>Top</p>{bomb}{paragraph}{'</div>' * bomb.count('<div>')}</body></html>"
    tree = parse_document(html, max_elements=10_000)
    assert nesting_flags(tree) == (("deep_nesting",) if flagged else ())
    assert flagged or "Deep paragraph" in tree.text_content()


@pytest.mark.parametrize(
    "bomb",
    ["<div>" * 1500, "<table><tr><td>" * 600, "<span>x" * 1500, "<div><p>a</p>" * 1500],
)
def test_deep_trees_are_flattened_with_every_word_kept(bomb: str) -> None:
    html = f"<html><body><p>Top</p>{bomb}<p>Deep paragraph, the end.</p></body></html>"
    tree = parse_document(html, max_elements=100_000)
    words = tree.text_content().split()
    flatten_nesting(tree)
    assert tree.text_content().split() == words
    assert max(len(list(element.iterancestors())) for element in tree.iter()) <= 130


def test_ordinary_trees_are_not_flattened() -> None:
    html = page("".join(f"<div class='c{i}'><span>{i}</span>" for i in range(60)))
    tree = parse_document(html, max_elements=10_000)
    before = lxml.html.tostring(tree)
    flatten_nesting(tree)
    assert lxml.html.tostring(tree) == before


def test_xml_declaration_with_encoding_is_accepted_in_text() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>' + page("Hello")
    assert "Hello" in parse_document(html, max_elements=100).text_content()


def test_tables_nested_past_the_recursion_limit_keep_their_text() -> None:
    text = "<p>Harbour officials said the northern pier would close for repairs.</p>"
    nested = f"{'<table><tr><td>' * 700}{text * 3}{'</td></tr></table>' * 700}"
    html = f"<html><body><article><h1>Nested</h1>{nested}</article></body></html>"
    article = extract_article(html, "http://example.com/a", NOW)
    assert "northern pier would close" in article.body and not article.flags
