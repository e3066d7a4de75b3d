"""Hostile content: malformed, pathological and disguised pages never crash extraction, and
the worker pool's hard limits turn the costly ones into counted failures."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from crawler.extraction import ExtractionError, extract_article
from crawler.pool import ExtractionFailed, ExtractionPool, PageTask
from tests.hostile import pages

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
URL = "http://news.example/2026/11/27/harbour-pier"
HTML = "text/html; charset=utf-8"
DEEP_SENTENCE = "inspectors found corrosion"


def _extract(body: bytes | str, content_type: str = HTML):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return extract_article(data, URL, FETCHED, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("pdf served as html", pages.PDF, "not_html"),
        ("jpeg served as html", pages.JPEG, "not_html"),
        ("random bytes", pages.random_bytes(20_000), "not_html"),
        ("empty 200", b"", "empty"),
        ("300k tiny elements", pages.element_flood(300_000), "too_complex"),
    ],
)
def test_non_pages_are_refused_with_a_reason(name, body, reason):
    with pytest.raises(ExtractionError) as refused:
        _extract(body)
    assert refused.value.reason == reason, name


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("truncated mid-tag", pages.english()[:900]),
        ("nested 300 deep", pages.deep(300)),
        ("nested 1000 deep", pages.deep(1000)),
        ("nested 5000 deep", pages.deep(5000)),
        ("tables nested 2000 deep", pages.deep(2000).replace("<div>", "<table><tr><td>")),
        ("text at each of 1500 levels", pages.text_bomb(1500)),
        ("text at each of 1500 list levels", pages.text_bomb(1500, "ul")),
        ("broken JSON-LD", pages.json_ld('{"@type": "NewsArticle", "headline": "x", ')),
        ("gigantic JSON-LD", pages.gigantic_json_ld(20_000)),
        ("conflicting meta tags", pages.conflicting_meta()),
        ("control characters", pages.english().replace("Fishing", "&#12;\f&#1;\nFishing")),
    ],
)
def test_damaged_articles_keep_their_text(name, body):
    article = _extract(body)
    assert article.is_article, name
    assert DEEP_SENTENCE in article.body, name
    assert "\ufffd" not in article.body


def test_conflicting_meta_tags_resolve_to_one_value_each():
    article = _extract(pages.conflicting_meta())
    assert article.title in {"A different headline entirely", "Northern pier to close for repairs"}
    assert article.published_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_a_soft_404_is_not_an_article():
    assert not _extract(pages.SOFT_404).is_article


def test_a_huge_legitimate_page_is_kept_whole():
    body = pages.huge_legitimate(2_000_000)
    article = _extract(body)
    assert article.is_article and article.word_count > 300_000


def test_text_the_parser_drops_is_flagged_not_lost_silently():
    article = _extract(pages.text_bomb(5000))
    assert DEEP_SENTENCE not in article.body  # libxml2 stopped at its depth limit
    assert "deep_nesting" in article.flags


@pytest.fixture(scope="module")
def pool():
    """One extraction worker with a 1.5 s hard limit per page."""
    extraction = ExtractionPool(workers=1, recycle_after=100, timeout=1.5, memory_limit_mb=1024)
    extraction.start()
    yield extraction
    extraction.close()


def _run(pool: ExtractionPool, body: str) -> tuple[str, float]:
    started = time.monotonic()
    try:
        pool.submit(PageTask(body.encode(), URL, FETCHED, HTML)).result(timeout=30)
    except ExtractionFailed as failed:
        return failed.reason, time.monotonic() - started
    return "ok", time.monotonic() - started


def test_the_pool_bounds_every_page_and_survives_the_worst(pool):
    outcomes = {
        "ok": _run(pool, pages.english()),
        "slow": _run(pool, pages.huge_legitimate(7_000_000)),  # ~3 s of CPU in one process
        "flood": _run(pool, pages.element_flood(300_000)),
        "after": _run(pool, pages.english("After the storm")),
    }
    assert {k: v[0] for k, v in outcomes.items()} == {
        "ok": "ok",
        "slow": "extract_timeout",
        "flood": "too_complex",
        "after": "ok",
    }
    # The pages that hit a limit come back within it (the others include worker start-up).
    assert max(outcomes["slow"][1], outcomes["flood"][1]) <= pool.timeout + 1
    assert pool.replaced >= 1  # the worker that ran out of time was killed and replaced


@pytest.mark.slow
def test_a_page_past_the_memory_cap_fails_as_too_complex():
    # The cap is what a page may add to the worker; this 4 MB page needs about 105 MB.
    capped = ExtractionPool(workers=1, recycle_after=100, timeout=30, memory_limit_mb=60)
    try:
        assert _run(capped, pages.huge_legitimate(4_000_000))[0] == "too_complex"
        assert _run(capped, pages.english())[0] == "ok"
    finally:
        capped.close()
