"""Runs a crawl whose spider yields prepared items through the project's pipelines (for the tests).

``python -m tests.pipelines.run_store_crawl ITEMS.jsonl OUT.json [--request URL] [-s K=V]...``

Each line of ITEMS.jsonl holds ``make_item`` arguments. After the items the spider waits
``--linger`` seconds and records how many were already stored (``test/stored_before_close``),
then requests ``--request`` if given. OUT.json receives the crawl's stats.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.http import Response
from scrapy.utils.project import get_project_settings

from crawler.storage import open_database
from tests.storage.builders import make_item


class PreparedItemsSpider(Spider):
    name = "prepared"

    def __init__(self, specs: list[dict[str, Any]], request: str | None, linger: float) -> None:
        super().__init__()
        self.specs = specs
        self.request_url = request
        self.linger = linger

    async def start(self) -> AsyncIterator[Any]:
        items = [make_item(**spec) for spec in self.specs]
        for item in items:
            yield item
        if self.linger:
            await asyncio.sleep(self.linger)
            database = open_database(self.settings["CRAWLER_DB_URL"])
            stored = database.stored_urls(item.article.url for item in items)
            database.close()
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("test/stored_before_close", len(stored))
        if self.request_url:
            yield Request(self.request_url, callback=self.parse)

    def parse(self, response: Response) -> None:
        return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("items", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--request")
    parser.add_argument("--linger", type=float, default=0.0)
    parser.add_argument("-s", dest="settings", action="append", default=[])
    options = parser.parse_args(argv)
    settings = get_project_settings()
    settings.setdict({"AUTOTHROTTLE_ENABLED": False, "CRAWLER_ALLOW_PRIVATE": True}, "cmdline")
    for pair in options.settings:
        name, value = pair.split("=", 1)
        settings.set(name, value, priority="cmdline")
    specs = [json.loads(line) for line in options.items.read_text().splitlines() if line]
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(PreparedItemsSpider)
    process.crawl(crawler, specs=specs, request=options.request, linger=options.linger)
    process.start()
    assert crawler.stats is not None
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float | str)}
    options.out.write_text(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
