"""Third pipeline: drop repeats within a crawl; database-wide duplicate decisions are storage's.

Whether an item is a URL variant of a stored article, the same body at another URL of the
same site, or a near-duplicate (MinHash-LSH) of an article elsewhere is decided by
``crawler.storage.upsert`` inside the storing transaction, so that concurrent crawlers
writing to one database take the same decisions. This pipeline removes the repeats a single
crawl produces (the same page reached twice with nothing new to record) before they cost a
write.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Article, ArticleItem
from crawler.lsh import content_hash, made_from

#: Pages remembered per crawl by default (about 180 bytes each).
DEFAULT_MEMORY = 100_000
#: Bytes of the digests kept per URL and body.
_DIGEST = 12


class DedupePipeline:
    """Drops an item whose canonical URL, body and URLs were all already seen in this crawl.

    Setting: ``CRAWLER_DEDUPE_MEMORY``, how many recent pages to remember (0 disables).
    Stats: ``dropped/duplicate_in_crawl`` for drops, ``news/dedupe/seen_again`` for repeats
    that pass on because they bring a new URL variant or a changed body.
    """

    def __init__(self, stats: StatsCollector, memory: int) -> None:
        self.stats = stats
        self.memory = memory
        # Canonical URL -> body and URLs, as 12-byte digests in one bytes value (body first):
        # ~180 bytes a page instead of ~570 for its strings and sets. A digest collision, at
        # odds of 2**-96 per pair, would drop one page.
        self._seen: OrderedDict[bytes, bytes] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("CRAWLER_DEDUPE_MEMORY", DEFAULT_MEMORY))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem) or self.memory <= 0:
            return item
        canonical_url = item.canonical_url or item.article.url
        canonical = _digest(canonical_url)
        hashed = _content_hash(item.article)
        body = _digest(hashed)
        urls = set(map(_digest, {canonical_url, item.article.url, item.requested_url}))
        previous = self._seen.get(canonical)
        if previous is not None:
            self._seen.move_to_end(canonical)
            seen_urls = set(_chunks(previous[_DIGEST:]))
            if previous[:_DIGEST] == body and urls <= seen_urls:
                self.stats.inc_value("dropped/duplicate_in_crawl")
                raise DropItem("duplicate_in_crawl", log_level="INFO")
            self.stats.inc_value("news/dedupe/seen_again")
            urls |= seen_urls
        self._seen[canonical] = body + b"".join(sorted(urls))
        if len(self._seen) > self.memory:
            self._seen.popitem(last=False)
        return replace(item, content_hash=hashed)


def _content_hash(article: Article) -> str:
    """The body's hash: its signature's when made from this body (by the extraction worker)."""
    signed = article.signature
    if signed is not None and made_from(signed, article.body):
        return signed.content_hash
    return content_hash(article.body)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST).digest()


def _chunks(joined: bytes) -> list[bytes]:
    return [joined[i : i + _DIGEST] for i in range(0, len(joined), _DIGEST)]
