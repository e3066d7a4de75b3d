"""Encodings: legacy charsets with no declaration, and declarations that lie. Stored text
has no U+FFFD and no mojibake, or the article is flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extraction import extract_article
from tests.hostile.pages import LEGACY, TEXTS, news_html

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
URL = "http://news.example/2026/11/27/story"


def _page(key: str, charset_meta: bool = False) -> tuple[str, list[str]]:
    language = key.split("-")[0]
    title = ("T " + TEXTS[language][0][:20]).strip()
    return news_html(title, TEXTS[language], lang=language, charset_meta=charset_meta), TEXTS[
        language
    ]


def _clean_or_flagged(body: bytes, content_type: str, expected: list[str]) -> None:
    article = extract_article(body, URL, FETCHED, content_type=content_type)
    intact = all(paragraph in article.body for paragraph in expected)
    assert (intact and "\ufffd" not in article.body) or article.flags, article.body[:120]


@pytest.mark.parametrize("key", sorted(LEGACY))
def test_a_legacy_charset_without_any_declaration_is_read_right(key):
    html, expected = _page(key)
    article = extract_article(html.encode(LEGACY[key]), URL, FETCHED, content_type="text/html")
    for paragraph in expected:
        assert paragraph in article.body
    assert "\ufffd" not in article.body and article.title == ("T " + expected[0][:20]).strip()


@pytest.mark.parametrize("key", sorted(LEGACY))
def test_a_header_charset_contradicting_the_body_is_caught(key):
    html, expected = _page(key)
    _clean_or_flagged(html.encode(LEGACY[key]), "text/html; charset=utf-8", expected)


@pytest.mark.parametrize("key", sorted(LEGACY))
def test_a_meta_charset_contradicting_the_body_is_caught(key):
    html, expected = _page(key, charset_meta=True)
    _clean_or_flagged(html.encode(LEGACY[key]), "text/html", expected)


@pytest.mark.parametrize("language", ["ru", "zh", "ja", "ko", "fr"])
def test_a_bom_wins_over_the_header(language):
    html, expected = _page(language)
    body = b"\xef\xbb\xbf" + html.encode("utf-8")
    article = extract_article(body, URL, FETCHED, content_type="text/html; charset=iso-8859-1")
    assert all(paragraph in article.body for paragraph in expected)


@pytest.mark.parametrize(
    "language",
    ["ru", "fr", "zh", "ja", "ko"],
)
def test_a_utf8_body_under_a_wrong_legacy_header_is_clean_or_flagged(language):
    html, expected = _page(language, charset_meta=True)
    _clean_or_flagged(html.encode("utf-8"), "text/html; charset=windows-1251", expected)


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_a_chinese_or_japanese_article_is_an_article(language):
    html = news_html("T", TEXTS[language] * 6, lang=language)
    article = extract_article(html.encode("utf-8"), URL, FETCHED, content_type="text/html")
    assert article.is_article
