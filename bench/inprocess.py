"""CPU per page in one process, on the bench pages: ``extract_article`` (with the share spent
parsing dates) and plain ``trafilatura.extract`` with each option variant.

Every method runs once on a page outside the measured set first (imports, caches), then on
pages ``0..count-1``; CPU is ``time.process_time`` around each call. The dates share is the
CPU inside functions of ``crawler.extraction.dates`` called from other modules (the names
those modules imported are wrapped for the duration of the measurement).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import trafilatura
from cpu import CpuPerPage, summary
from crawl_options import CRAWL_OPTIONS
from pages import CONTENT_TYPE, PageSet, article_path

from crawler.extraction import ExtractionError, extract_article

DATES_MODULE = "crawler.extraction.dates"


class _DateClock:
    """CPU spent in the dates module's functions, counting only the outermost call."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return function(*args, **kwargs)
            self.depth += 1
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
                self.depth -= 1

        return timed


@contextmanager
def timed_dates() -> Iterator[_DateClock]:
    """Wrap every function of the dates module that another extraction module imported."""
    clock = _DateClock()
    patched: list[tuple[Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("crawler.extraction.") or name == DATES_MODULE:
            continue
        for attribute, value in list(vars(module).items()):
            if (
                callable(value)
                and getattr(value, "__module__", None) == DATES_MODULE
                and (not isinstance(value, type))
            ):
                patched.append((module, attribute, value))
                setattr(module, attribute, clock.wrap(value))
    try:
        yield clock
    finally:
        for module, attribute, value in patched:
            setattr(module, attribute, value)


def measure_extract_article(pages: PageSet, count: int, base_url: str) -> CpuPerPage:
    """``extract_article`` as the pool's workers call it, with its dates share."""
    fetched_at = datetime.now(UTC)

    def once(i: int) -> bool:
        url = f"{base_url}{article_path(i)}"
        try:
            body = pages.body(i, base_url)
            extract_article(body, url, fetched_at, CRAWL_OPTIONS, content_type=CONTENT_TYPE)
        except ExtractionError:
            return False
        return True

    once(count)
    samples, dates, failures = [], [], 0
    with timed_dates() as clock:
        for i in range(count):
            body_cpu = time.process_time()
            before = clock.seconds
            failures += not once(i)
            samples.append((time.process_time() - body_cpu) * 1000)
            dates.append((clock.seconds - before) * 1000)
    return summary("extract_article", samples, failures, dates_mean=statistics.fmean(dates))


#: Variants of plain trafilatura: name -> keyword arguments of ``trafilatura.extract``.
TRAFILATURA_VARIANTS: dict[str, dict[str, Any]] = {
    "trafilatura.extract with_metadata (plain)": {"with_metadata": True},
    "trafilatura.extract default": {},
    "trafilatura.extract fast": {"fast": True},
    "trafilatura.extract no_fallback": {"no_fallback": True},
    "trafilatura.extract favor_precision": {"favor_precision": True},
    "trafilatura.extract favor_precision fast": {"favor_precision": True, "fast": True},
}


def measure_trafilatura(pages: PageSet, count: int, base_url: str) -> list[CpuPerPage]:
    """Each variant of ``TRAFILATURA_VARIANTS`` over the same pages (decoded text in)."""
    texts = [pages.body(i, base_url).decode("utf-8") for i in range(count + 1)]
    results = []
    for name, kwargs in TRAFILATURA_VARIANTS.items():
        samples, failures = [], 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for i in (count, *range(count)):
                start = time.process_time()
                text = trafilatura.extract(
                    texts[i], url=f"{base_url}{article_path(i)}", include_comments=False, **kwargs
                )
                if i < count:
                    samples.append((time.process_time() - start) * 1000)
                    failures += not text
        results.append(summary(name, samples, failures))
    return results
