"""The extraction pool: real worker processes, their time and memory limits, recycling, closing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.extraction import ExtractionOptions, extract_article
from crawler.items import Article
from crawler.lsh import body_digest, content_hash
from crawler.minhash import minhash_signature
from crawler.normalize import normalize_article
from crawler.pool import ExtractionFailed, ExtractionPool, PageTask

SITE = Path(__file__).resolve().parent / "sites" / "harbour"
NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
BASE = "http://harbour.example"
ARTICLE = "/2024/05/13/ferry-timetable-changes-for-summer-season.html"


def page(path: str) -> bytes:
    """A harbour page as the server sends it (placeholders filled in)."""
    file = SITE / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
    return file.read_text("utf-8").replace("{{base}}", BASE).encode()


def task(body: bytes, path: str = ARTICLE, **kwargs: object) -> PageTask:
    return PageTask(body, BASE + path, NOW, "text/html; charset=utf-8", **kwargs)  # type: ignore[arg-type]


def huge_page(elements: int) -> bytes:
    return (
        "<html><body>" + "<div><p>word and word</p></div>" * elements + "</body></html>"
    ).encode()


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    pool = ExtractionPool(workers=2, timeout=30)
    yield pool
    pool.close()


def test_a_worker_extracts_the_article_and_cleans_its_links(pool: ExtractionPool) -> None:
    article = pool.submit(task(page(ARTICLE))).result(timeout=60)
    assert isinstance(article, Article)
    assert article.title == "Ferry timetable changes for the summer season announced"
    assert article.is_article and article.authors == ("Jonas Berg",)
    related = f"{BASE}/2024/05/14/port-authority-approves-new-container-terminal.html"
    assert related in article.links  # the page links it with ?utm_source=related
    assert not any("utm_" in link for link in article.links)


def test_a_worker_returns_the_article_normalized_with_its_body_hash_and_signature(
    pool: ExtractionPool,
) -> None:
    article = pool.submit(task(page(ARTICLE))).result(timeout=60)
    assert isinstance(article, Article) and article.normalized
    in_process = extract_article(page(ARTICLE), BASE + ARTICLE, NOW)
    assert not in_process.normalized
    expected = normalize_article(in_process)
    assert dataclasses.replace(article, links=(), signature=None) == dataclasses.replace(
        expected, links=()
    )
    signature = article.signature
    assert signature is not None
    assert signature.body_digest == body_digest(article.body)
    assert signature.content_hash == content_hash(article.body)
    assert signature.minhash == minhash_signature(article.body).tobytes()


def test_links_only_reads_a_listing_without_extracting_it(pool: ExtractionPool) -> None:
    links = pool.submit(task(page("/news/"), "/news/", links_only=True)).result(timeout=60)
    assert isinstance(links, tuple)
    assert f"{BASE}/news/page/2/" in links and f"{BASE}{ARTICLE}" in links


@pytest.mark.parametrize(
    ("body", "reason"), [(b"", "empty"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not_html")]
)
def test_extractor_errors_keep_their_reason(pool: ExtractionPool, body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionFailed) as failure:
        pool.submit(task(body)).result(timeout=60)
    assert failure.value.reason == reason


def test_awaitable_from_asyncio(pool: ExtractionPool) -> None:
    article = asyncio.run(pool.run(task(page(ARTICLE))))
    assert isinstance(article, Article) and article.word_count > 100


def test_a_page_over_the_time_limit_fails_and_its_worker_is_replaced() -> None:
    pool = ExtractionPool(workers=1, timeout=0.3)
    try:
        options = ExtractionOptions(max_tree_elements=10**8, max_html_bytes=10**9)
        with pytest.raises(ExtractionFailed) as failure:
            pool.submit(task(huge_page(150_000), options=options)).result(timeout=60)
        assert failure.value.reason == "extract_timeout"
        assert pool.replaced == 1
        assert isinstance(pool.submit(task(page(ARTICLE))).result(timeout=60), Article)
    finally:
        pool.close()


def test_a_page_over_the_memory_cap_is_too_complex() -> None:
    pool = ExtractionPool(workers=1, timeout=120, memory_limit_mb=300)
    try:
        options = ExtractionOptions(max_tree_elements=10**8, max_html_bytes=10**9)
        with pytest.raises(ExtractionFailed) as failure:
            pool.submit(task(huge_page(250_000), options=options)).result(timeout=120)
        assert failure.value.reason == "too_complex"
        assert isinstance(pool.submit(task(page(ARTICLE))).result(timeout=60), Article)
        assert pool.replaced == 1  # a worker that ran out of memory is not trusted again
    finally:
        pool.close()


def test_the_memory_cap_is_counted_from_the_workers_size_at_start() -> None:
    # A worker starts well above 64 MB of address space (the engine and numpy are loaded):
    # an absolute cap that small would leave it unable to receive a page at all.
    pool = ExtractionPool(workers=1, timeout=60, memory_limit_mb=64)
    try:
        assert isinstance(pool.submit(task(page(ARTICLE))).result(timeout=60), Article)
        assert pool.replaced == 0
    finally:
        pool.close()


def test_workers_are_recycled_after_their_quota() -> None:
    pool = ExtractionPool(workers=1, recycle_after=2)
    try:
        results = [pool.submit(task(page(ARTICLE))) for _ in range(5)]
        assert all(isinstance(f.result(timeout=60), Article) for f in results)
        assert pool.replaced == 2
    finally:
        pool.close()


def test_close_fails_what_is_still_queued() -> None:
    pool = ExtractionPool(workers=1)
    futures = [pool.submit(task(page(ARTICLE))) for _ in range(20)]
    pool.close()
    reasons = set()
    for future in futures:
        try:
            future.result(timeout=60)
            reasons.add("done")
        except ExtractionFailed as exc:
            reasons.add(exc.reason)
    assert "pool_closed" in reasons
    with pytest.raises(ExtractionFailed, match="pool_closed"):
        pool.submit(task(page(ARTICLE))).result(timeout=5)


def test_settings_size_the_pool() -> None:
    crawler = get_crawler(
        settings_dict={
            "CRAWLER_EXTRACT_WORKERS": 3,
            "CRAWLER_EXTRACT_RECYCLE": 50,
            "CRAWLER_EXTRACT_TIMEOUT": 7.5,
            "CRAWLER_EXTRACT_MEMORY_MB": 512,
        }
    )
    pool = ExtractionPool.from_crawler(crawler)
    assert (pool.workers, pool.recycle_after, pool.timeout) == (3, 50, 7.5)
    assert pool.memory_limit == 512 * 1024 * 1024
    assert ExtractionPool(workers=0).workers >= 1  # 0 = one per core
