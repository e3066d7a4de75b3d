"""Extraction fuzzing: mutated pages through the worker pool never crash it or outlive its
hard limit. A small corpus runs in every test run; the large one behind ``slow``
(``HOSTILE_FUZZ_PAGES`` pages, default 10,000, seeded so a failure replays)."""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from crawler.pool import ExtractionFailed, ExtractionPool, PageTask
from tests.hostile.mutate import mutated_pages

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
URL = "http://news.example/2026/11/27/council-approves-harbour-repairs"
#: Outcomes that mean the extractor or its worker broke, rather than refused a page.
CRASHES = frozenset({"extract_failed", "worker_crashed", "pool_closed"})
#: CRAWLER_EXTRACT_TIMEOUT's default: seconds a worker may spend on one page.
HARD_LIMIT = 20.0


def fuzz(count: int, workers: int, timeout: float) -> list[tuple[int, str, float]]:
    """(page index, outcome, seconds) for each of ``count`` mutated pages."""
    pool = ExtractionPool(workers=workers, recycle_after=300, timeout=timeout)
    pool.start()

    def one(item: tuple[int, bytes]) -> tuple[int, str, float]:
        index, page = item
        started = time.monotonic()
        try:
            pool.submit(PageTask(page, URL, FETCHED, "text/html")).result(timeout=timeout + 30)
        except ExtractionFailed as failed:
            return index, failed.reason, time.monotonic() - started
        return index, "ok", time.monotonic() - started

    try:
        with ThreadPoolExecutor(max_workers=workers) as runners:
            return list(runners.map(one, mutated_pages(count)))
    finally:
        pool.close()


def summary(results: list[tuple[int, str, float]]) -> tuple[Counter[str], list[float], list[int]]:
    """(outcome counts, sorted latencies, indexes of crashing pages)."""
    outcomes = Counter(reason for _, reason, _ in results)
    crashes = [index for index, reason, _ in results if reason in CRASHES]
    return outcomes, sorted(seconds for _, _, seconds in results), crashes


def p99(latencies: list[float]) -> float:
    """The 99th percentile of sorted latencies."""
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def test_a_small_mutation_corpus_never_crashes_the_pool():
    outcomes, latencies, crashes = summary(fuzz(count=60, workers=1, timeout=5.0))
    assert crashes == [], outcomes
    assert sum(outcomes.values()) == 60 and outcomes["ok"] > 0
    assert latencies[-1] <= 5.0 + 1.0


@pytest.fixture(scope="module")
def big_fuzz() -> tuple[Counter[str], list[float], list[int]]:
    """The large corpus through two workers with the product's 20 s hard limit."""
    count = int(os.environ.get("HOSTILE_FUZZ_PAGES", "10000"))
    results = summary(fuzz(count=count, workers=2, timeout=HARD_LIMIT))
    outcomes, latencies, _ = results
    print(
        f"fuzz {count} pages: {dict(outcomes)}; p50 {latencies[len(latencies) // 2]:.3f} s, "
        f"p99 {p99(latencies):.3f} s, max {latencies[-1]:.1f} s"
    )
    return results


@pytest.mark.slow
@pytest.mark.timeout(3 * 3600)
def test_mutated_pages_never_crash_or_outlive_the_hard_limit(big_fuzz):
    _, latencies, crashes = big_fuzz
    assert crashes == [], crashes[:20]
    assert latencies[-1] <= HARD_LIMIT + 1.0


@pytest.mark.slow
@pytest.mark.timeout(3 * 3600)
def test_mutated_pages_p99_under_two_seconds(big_fuzz):
    """Wall time per page, worker start-ups (every 300 pages) included. At 10,000 pages on
    2 cores: 0.33 s at load 3 to 5, 0.86 s at load 10 to 15, 2.0 s at load 25 to 30 (the
    slowest page takes 1.0 s of CPU; the rest of the tail is waiting for a core)."""
    assert p99(big_fuzz[1]) < 2.0
