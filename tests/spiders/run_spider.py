"""Runs one spider in this process and writes its items and stats as JSON (for the spider tests).

``python tests/spiders/run_spider.py OUT.json SPIDER [-a NAME=VALUE]... [-s NAME=VALUE]...``
Item pipelines and the database-backed incremental and conditional-request middlewares are
off: the tests look at what the spider yields, not at what is stored. Pass
``-s CRAWLER_DB_URL=...`` so that nothing touches a database in the working directory.
``max_pending`` is the most requests the scheduler held, read each time a request was about
to be scheduled.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.items import ArticleItem


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("spider")
    parser.add_argument("-a", dest="args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    options = parser.parse_args(argv)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "ITEM_PIPELINES": {},
            "CRAWLER_REFRESH": True,
            "CRAWLER_CONDITIONAL": False,
            "AUTOTHROTTLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        },
        priority="cmdline",
    )
    for pair in options.settings:
        name, value = pair.split("=", 1)
        settings.set(name, value, priority="cmdline")
    items: list[dict[str, Any]] = []

    def scraped(item: ArticleItem) -> None:
        items.append(
            {
                **item.article.to_json(),
                "requested_url": item.requested_url,
                "source": item.source,
                "extractor_version": item.extractor_version,
            }
        )

    pending = [0]

    def scheduled(request: Request) -> None:
        scheduler: Any = crawler.engine.scheduler if crawler.engine else None
        pending[0] = max(pending[0], len(scheduler) if scheduler is not None else 0)

    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(scheduled, signal=signals.request_scheduled)
    process.crawl(crawler, **dict(pair.split("=", 1) for pair in options.args))
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    result = {"items": items, "stats": stats, "max_pending": pending[0]}
    options.out.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
