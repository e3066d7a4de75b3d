"""The validate, normalize and dedupe pipelines on real items in a real Crawler."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.lsh import content_hash
from crawler.minhash import sign_body
from crawler.normalize import choose_canonical, normalize_body, strip_site_suffix
from pipelines.dedupe import DedupePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline
from tests.storage.builders import body_text, make_item


def crawler(**settings: Any) -> Crawler:
    return get_crawler(settings_dict=settings)


def test_validate_passes_articles_and_drops_the_rest_with_reasons() -> None:
    crawler_ = crawler(CRAWLER_MIN_BODY_CHARS=100)
    pipeline = ValidatePipeline.from_crawler(crawler_)
    good = make_item("https://example.com/a", body_text(1))
    assert pipeline.process_item(good) is good
    cases = {
        "not_article": make_item("https://example.com/tag/x", body_text(1), is_article=False),
        "no_title": make_item("https://example.com/b", body_text(1), title="  "),
        "short_body": make_item("https://example.com/c", "Too short to be news."),
        "bad_url": make_item("ftp://example.com/d", body_text(1)),
    }
    for reason, item in cases.items():
        with pytest.raises(DropItem, match=reason):
            pipeline.process_item(item)
    assert crawler_.stats is not None
    assert {
        f"dropped/{reason}": 1 for reason in cases
    }.items() <= crawler_.stats.get_stats().items()
    assert pipeline.process_item({"not": "an article"}) == {"not": "an article"}


@pytest.mark.parametrize(
    ("declared", "canonical", "rejected"),
    [
        ("/news/1", "https://www.example.com/news/1", None),
        ("https://example.com/news/1?utm_source=x", "https://example.com/news/1", None),
        ("https://other.org/news/1", "https://www.example.com/news/1?page=2", "canonical_offsite"),
        (
            "https://www.example.com/",
            "https://www.example.com/news/1?page=2",
            "canonical_front_page",
        ),
        ("javascript:void(0)", "https://www.example.com/news/1?page=2", "canonical_not_http"),
        (None, "https://www.example.com/news/1?page=2", None),
    ],
)
def test_canonical_url_follows_rel_canonical_only_on_the_same_site(
    declared: str | None, canonical: str, rejected: str | None
) -> None:
    url = "https://WWW.example.com/news/1?page=2&fbclid=abc#top"
    assert choose_canonical(url, declared) == (canonical, rejected)


@pytest.mark.parametrize(
    ("title", "site_name", "expected"),
    [
        ("Council passes budget | The Daily Planet", "The Daily Planet", "Council passes budget"),
        ("Council passes budget - Example.com", None, "Council passes budget"),
        ("Council passes budget – EXAMPLE", None, "Council passes budget"),
        (
            "Council passes budget | Politics | Daily Planet",
            "Daily Planet",
            "Council passes budget | Politics",
        ),
        ("Mayor - a profile", "Daily Planet", "Mayor - a profile"),
        ("Daily Planet", "Daily Planet", "Daily Planet"),
    ],
)
def test_title_loses_a_trailing_site_name_only(
    title: str, site_name: str | None, expected: str
) -> None:
    assert strip_site_suffix(title, site_name, "https://www.example.com/a") == expected


def test_normalize_cleans_text_authors_and_dates_and_sets_the_canonical_url() -> None:
    crawler_ = crawler()
    pipeline = NormalizePipeline.from_crawler(crawler_)
    local = datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    item = make_item(
        "https://www.example.com/a?utm_medium=rss",
        "  First\u00a0 para\u200bgraph.  \n\n\n Second\tparagraph\nwith a line break. ",
        title="Cafe\u0301  news | The Planet",
        site_name="The Planet",
        authors=("By Jane  Doe", "jane doe", "https://example.com/staff/jd", "Max Roe,"),
        tags=("Politics", "politics", " "),
        published_at=local,
        modified_at=datetime(2024, 5, 1, 9, 0),
        canonical_url=None,
    )
    result: ArticleItem = pipeline.process_item(item)
    article = result.article
    assert result.canonical_url == "https://www.example.com/a"
    assert article.body == "First paragraph.\n\nSecond paragraph\nwith a line break."
    assert article.word_count == 8
    assert article.title == "Café news"
    assert article.authors == ("Jane Doe", "Max Roe")
    assert article.tags == ("Politics",)
    assert article.published_at == local and article.published_at.utcoffset() == timedelta(hours=2)
    assert article.modified_at is not None and article.modified_at.utcoffset() == timedelta(0)
    assert article.normalized and not item.article.normalized


def test_an_article_normalized_in_the_worker_is_not_normalized_again() -> None:
    """The pipeline takes the worker's word (``normalized``) and still sets the canonical URL."""
    pipeline = NormalizePipeline.from_crawler(crawler())
    raw = make_item("https://www.example.com/a?utm_medium=rss", "  Body\u00a0 text ")
    once = pipeline.process_item(raw)
    assert once.article.body == "Body text"
    marked = replace(raw, article=replace(raw.article, normalized=True))
    again = pipeline.process_item(marked)
    assert again.article is marked.article  # left as the worker made it
    assert again.canonical_url == once.canonical_url == "https://www.example.com/a"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("\n\n  One\t\ttwo \n three\u00a0 four  \n\n", "One two\nthree four"),
        ("One\n \t \nTwo\n\n\n\nThree", "One\n\nTwo\n\nThree"),
        ("One\r\n\r\nTwo\rthree", "One\n\nTwo three"),
        ("One\n\u2028\nTwo\u2029three\x0bfour\x85five", "One\n\nTwo three four five"),
        ("in\u200bvisible\u00ad \ufeff\n\u200b\nnext", "invisible\n\nnext"),
        ("Cafe\u0301", "Caf\u00e9"),
        (" \n\t\n ", ""),
    ],
)
def test_body_whitespace_becomes_single_spaces_lines_and_blank_line_paragraphs(
    body: str, expected: str
) -> None:
    """Any whitespace but a newline is a space; a line of whitespace only separates paragraphs."""
    assert normalize_body(body) == expected


def test_a_canonical_url_declared_as_the_page_itself_is_its_canonical_form() -> None:
    url = "https://www.example.com/news/1?utm_source=x&b=2&a=1"
    assert choose_canonical(url, url) == ("https://www.example.com/news/1?a=1&b=2", None)
    assert choose_canonical(url, f"  {url} ") == ("https://www.example.com/news/1?a=1&b=2", None)


def test_a_naive_publication_date_is_marked_as_assumed_utc() -> None:
    pipeline = NormalizePipeline.from_crawler(crawler())
    item = make_item(
        "https://example.com/a",
        body_text(1),
        published_at=datetime(2024, 5, 1, 8),
        published_tz=None,
    )
    article = pipeline.process_item(item).article
    assert article.published_at.tzinfo is not None and article.published_tz == "assumed-UTC"


def passed(pipeline: DedupePipeline, item: ArticleItem) -> bool:
    """Whether the dedupe pipeline passed ``item`` on, its body's content hash added."""
    hashed = content_hash(item.article.body)
    return bool(pipeline.process_item(item) == replace(item, content_hash=hashed))


def test_dedupe_drops_only_repeats_that_bring_nothing_new() -> None:
    crawler_ = crawler()
    pipeline = DedupePipeline.from_crawler(crawler_)
    body = body_text(1)
    first = make_item("https://example.com/a", body)
    assert passed(pipeline, first)
    with pytest.raises(DropItem, match="duplicate_in_crawl"):
        pipeline.process_item(make_item("https://example.com/a", body))
    new_variant = make_item("https://example.com/a", body, requested_url="https://example.com/?p=1")
    changed = make_item("https://example.com/a", body + "\n\nUpdated.")
    assert passed(pipeline, new_variant)
    assert passed(pipeline, changed)
    assert crawler_.stats is not None
    assert crawler_.stats.get_value("dropped/duplicate_in_crawl") == 1
    assert crawler_.stats.get_value("news/dedupe/seen_again") == 2


def test_dedupe_remembers_every_url_a_page_was_reached_by() -> None:
    pipeline = DedupePipeline.from_crawler(crawler())
    body = body_text(1)
    variants = [f"https://example.com/a?p={n}" for n in range(3)]
    for url in variants:
        item = make_item("https://example.com/a", body, requested_url=url)
        assert passed(pipeline, item)
    for url in reversed(variants):
        with pytest.raises(DropItem, match="duplicate_in_crawl"):
            pipeline.process_item(make_item("https://example.com/a", body, requested_url=url))
    other = make_item("https://example.com/b", body, requested_url=variants[0])
    assert passed(pipeline, other)


def test_dedupe_takes_the_hash_of_the_signature_made_from_the_very_body() -> None:
    pipeline = DedupePipeline.from_crawler(crawler())
    body, other = body_text(1), body_text(2)
    signature = replace(sign_body(body), content_hash="carried")  # shows which hash is used
    item = make_item("https://example.com/a", body)
    signed = replace(item, article=replace(item.article, signature=signature))
    assert pipeline.process_item(signed).content_hash == "carried"
    changed = replace(signed.article, url="https://example.com/b", body=other)
    stale = replace(signed, article=changed)
    assert pipeline.process_item(stale).content_hash == content_hash(other)


def test_dedupe_memory_is_bounded() -> None:
    pipeline = DedupePipeline.from_crawler(crawler(CRAWLER_DEDUPE_MEMORY=2))
    items = [make_item(f"https://example.com/{i}", body_text(i)) for i in range(3)]
    for item in items:
        pipeline.process_item(item)
    assert passed(pipeline, items[0])
    with pytest.raises(DropItem):
        pipeline.process_item(items[2])
