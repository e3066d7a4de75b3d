"""The ``feed`` spider: the articles an RSS or Atom feed lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.http import Request, Response

from spiders.args import str_list
from spiders.base import NewsSpider

#: A feed larger than this (after gunzip) is refused.
FEED_MAX_BYTES = 10 * 1024 * 1024


class FeedSpider(NewsSpider):
    """Fetches each of ``feeds`` (RSS 2.0, RSS 1.0 or Atom) and extracts the pages it links.

    Entry dates only decide the ``since`` cut-off; entry titles, dates and authors are never
    stored: the page is the truth. Feeds are re-read on every run.
    """

    name = "feed"

    def __init__(self, *args: Any, feeds: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feeds = list(str_list(feeds))
        if not self.feeds:
            raise ValueError("the feed spider needs feeds")

    @property
    def seed_urls(self) -> tuple[str, ...]:
        return tuple(self.feeds)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.feeds:
            request = self.page_request(url, self.parse_feed, dont_filter=True)
            if request is not None:
                yield request

    def parse_feed(self, response: Response) -> Iterable[Request]:
        """One feed: a request for each entry newer than ``since``."""
        _, entries = self.listed_entries(response, FEED_MAX_BYTES)
        yield from self.article_requests(e.url for e in entries if self.recent(e))
