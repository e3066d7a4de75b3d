"""Page links for the spiders, and the article/non-article decision."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from crawler.extraction import extract_article
from crawler.extraction.classify import is_article_page
from crawler.extraction.links import page_links
from crawler.extraction.metadata import Metadata
from crawler.extraction.options import ExtractionOptions

NOW = datetime(2024, 6, 1, tzinfo=UTC)
SENTENCE = "The committee met on Tuesday to review the budget and approve the new plan. "


def test_links_are_absolute_http_without_fragments_or_duplicates() -> None:
    tree = lxml.html.document_fromstring(
        '<html><body><a href="/a">A</a><a href="b?x=1#top">B</a><a href="/a#again">A2</a>'
        '<a href="mailto:x@example.com">mail</a><a href="javascript:void(0)">js</a>'
        '<a href="//cdn.example.org/c">C</a><a href="https://other.example/d">D</a>'
        '<a href="http://[broken/">bad</a><a>no href</a></body></html>'
    )
    assert page_links(tree, "https://news.example.com/section/page.html") == (
        "https://news.example.com/a",
        "https://news.example.com/section/b?x=1",
        "https://cdn.example.org/c",
        "https://other.example/d",
    )


def test_links_resolve_against_base_href() -> None:
    tree = lxml.html.document_fromstring(
        '<html><head><base href="https://static.example.com/news/"></head>'
        '<body><a href="story-1">S</a></body></html>'
    )
    assert page_links(tree, "https://example.com/x") == ("https://static.example.com/news/story-1",)


def test_article_carries_the_page_links() -> None:
    html = f'<html><body><p>{SENTENCE * 3}</p><a href="/next">Next</a></body></html>'
    article = extract_article(html, "https://example.com/2024/05/story", NOW)
    assert article.links == ("https://example.com/next",)


def test_links_are_left_out_when_not_collected() -> None:
    html = f'<html><body><p>{SENTENCE * 3}</p><a href="/next">Next</a></body></html>'
    options = ExtractionOptions(collect_links=False)
    article = extract_article(html, "https://example.com/2024/05/story", NOW, options)
    assert article.links == ()
    assert article.body == extract_article(html, "https://example.com/2024/05/story", NOW).body


def tree_with(paragraphs: list[str], teasers: int = 0) -> lxml.html.HtmlElement:
    cards = "".join(f"<article><h2><a href='/s{i}'>Story {i}</a></h2></article>"
                    for i in range(teasers))  # fmt: skip
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return lxml.html.document_fromstring(f"<html><body>{cards}{text}</body></html>")


LONG = [SENTENCE * 4] * 3  # about 170 words


@pytest.mark.parametrize(
    ("url", "types", "paragraphs", "teasers", "expected"),
    [
        ("https://e.com/news/2024/05/01/budget-plan", ("NewsArticle",), LONG, 0, True),
        ("https://e.com/news/budget-plan-approved-today", (), LONG, 0, True),
        ("https://e.com/tag/budget/", (), LONG, 0, False),
        ("https://e.com/author/jane-smith/", (), LONG, 0, False),
        ("https://e.com/video/budget-explained", (), LONG, 0, False),
        ("https://e.com/contact-us", (), LONG, 0, False),
        ("https://e.com/", (), LONG, 0, False),
        ("https://e.com/world/page/2", (), LONG, 0, False),
        ("https://e.com/news/budget", ("CollectionPage",), LONG, 0, False),
        ("https://e.com/news/budget", ("VideoObject",), LONG, 0, False),
        ("https://e.com/news/budget", ("video.other",), LONG, 0, False),
        ("https://e.com/news/budget", (), LONG, 8, False),
        ("https://e.com/news/budget", ("NewsArticle",), [SENTENCE], 0, False),
        ("https://e.com/news/budget", (), [SENTENCE * 3], 0, False),
    ],
)
def test_is_article(
    url: str, types: tuple[str, ...], paragraphs: list[str], teasers: int, expected: bool
) -> None:
    meta = Metadata(page_types=types)
    assert is_article_page(url, meta, tree_with(paragraphs, teasers), paragraphs) is expected


def test_body_made_of_link_texts_is_a_listing() -> None:
    headlines = [
        f"Headline number {i} about the budget vote in the city council" for i in range(12)
    ]
    links = "".join(f"<li><a href='/n/{i}'>{h}</a></li>" for i, h in enumerate(headlines))
    tree = lxml.html.document_fromstring(f"<html><body><ul>{links}</ul></body></html>")
    assert not is_article_page("https://e.com/news/latest-budget-news-today", Metadata(), tree,
                               headlines)  # fmt: skip


SUMMARIES = [
    f"The {name} council voted on Tuesday to approve a budget that adds money for roads, "
    f"parks and schools, after a debate that lasted well into the evening." for name in
    ("city", "county", "regional", "district", "state")
]  # fmt: skip


def teaser_page(url: str, related: bool = False) -> tuple[bool, bool]:
    """``(is_article, stored body non-empty)`` of a section page, or an article with cards."""
    cards = [
        f"<div class='cartHolder'><h3 class='hdg3'><a href='/news/story-{i}-budget-vote'>"
        f"Budget vote number {i} in the council</a></h3><p class='sortDec'>{s}</p>"
        f"<span class='dateTime'>Jul 18, 2018 02:20 PM IST</span></div>"
        for i, s in enumerate(SUMMARIES)
    ]
    story = "".join(f"<p>{SENTENCE * 3}{i}</p>" for i in range(6))
    main = (
        f"<article><h1>Council approves budget</h1><div class='story'>{story}</div></article>"
        f"<section class='related'><h2>Related</h2>{''.join(cards[:3])}</section>"
        if related
        else f"<div class='listingPage'><h1>India News</h1>{''.join(cards)}</div>"
    )
    html = f"<html><head><title>T</title></head><body><main>{main}</main></body></html>"
    article = extract_article(html, url, NOW)
    return article.is_article, bool(article.body)


def test_a_section_page_of_teaser_blocks_is_not_an_article() -> None:
    assert teaser_page("https://e.com/india-news/") == (False, True)
    assert teaser_page("https://e.com/india-news/page-2/") == (False, True)


def test_an_article_with_related_story_cards_is_an_article() -> None:
    assert teaser_page("https://e.com/news/council-approves-budget-for-roads", related=True)[0]
