"""The throughput ceiling: the crawler's extraction pool alone over the bench pages.

No Scrapy, no HTTP, no database: pages ``0..N-1`` are rendered in memory (the same bytes
the bench site serves from ``--base-url``) and fed to `crawler.pool.ExtractionPool` with
enough tasks in flight to keep every worker busy. Prints one JSON object: pages, articles,
failures by reason, seconds of the timed loop, and the CPU this process spent before the
loop (imports, loading pages) and rendering pages: not extraction work, so the caller
subtracts both.

    python bench/ceiling.py --pages N --base-url URL [--workers W] [--data DIR | --generated]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, datetime
from pathlib import Path

from crawl_options import CRAWL_OPTIONS
from pages import BENCHMARK_DIR, CONTENT_TYPE, PageSet, article_path

from crawler.items import Article
from crawler.pool import ExtractionFailed, ExtractionPool, Outcome, PageTask


def run(pages: PageSet, count: int, base_url: str, workers: int) -> dict[str, object]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    setup_cpu = usage.ru_utime + usage.ru_stime
    pool = ExtractionPool(workers=workers)
    in_flight = 2 * pool.workers + 2
    outcomes: Counter[str] = Counter()
    pending: set[Future[Outcome]] = set()
    render_cpu = 0.0
    start = time.perf_counter()
    try:
        for i in range(count):
            if len(pending) >= in_flight:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                outcomes.update(_outcome(f) for f in done)
            cpu = time.thread_time()
            body = pages.body(i, base_url)
            render_cpu += time.thread_time() - cpu
            url = f"{base_url}{article_path(i)}"
            task = PageTask(body, url, datetime.now(UTC), CONTENT_TYPE, CRAWL_OPTIONS)
            pending.add(pool.submit(task))
        outcomes.update(_outcome(f) for f in wait(pending).done)
        seconds = time.perf_counter() - start
    finally:
        pool.close()
    articles = outcomes.pop("article", 0)
    return {
        "pages": count,
        "articles": articles,
        "failed": dict(outcomes),
        "seconds": seconds,
        "workers": pool.workers,
        "render_cpu": render_cpu,
        "setup_cpu": setup_cpu,
    }


def _outcome(future: Future[Outcome]) -> str:
    try:
        result = future.result()
    except ExtractionFailed as exc:
        return exc.reason
    return "article" if isinstance(result, Article) else "links"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--workers", type=int, default=0, help="0 = one per core")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=BENCHMARK_DIR)
    source.add_argument("--generated", action="store_true")
    args = parser.parse_args(argv)
    pages = PageSet.load(None if args.generated else args.data)
    print(json.dumps(run(pages, args.pages, args.base_url, args.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
