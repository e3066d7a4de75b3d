"""Frontier request records: callbacks named as Scrapy names them, and rebuilt from the name."""

from scrapy import Request, Spider

from crawler.request_records import rebuild_request, request_record
from crawler.storage.frontier import Requeued


class _NewsSpider(Spider):
    name = "news"

    def parse_article(self, response):  # pragma: no cover - never called
        return None

    def on_error(self, failure):  # pragma: no cover - never called
        return None


class _Other(_NewsSpider):
    name = "other"


def test_a_spider_method_is_recorded_by_the_name_scrapy_gives_it():
    spider = _NewsSpider()
    request = Request("https://n.test/a", callback=spider.parse_article, errback=spider.on_error)
    full = request.to_dict(spider=spider)
    record = request_record(request, spider)
    assert (record["callback"], record["errback"]) == (full["callback"], full["errback"])
    assert record["callback"] == "parse_article"


def test_a_request_without_callbacks_records_none():
    assert request_record(Request("https://n.test/"), _NewsSpider()) == {}


def test_a_method_of_another_spider_falls_back_to_scrapys_search():
    spider, other = _NewsSpider(), _Other()
    request = Request("https://n.test/a", callback=other.parse_article)
    # Scrapy's own search finds the same function on this spider too.
    assert request_record(request, spider)["callback"] == "parse_article"


def test_a_recorded_request_is_rebuilt_with_its_callback():
    spider = _NewsSpider()
    request = Request("https://n.test/a", callback=spider.parse_article, priority=3)
    entry = Requeued(
        url="https://n.test/a", kind="article", request=request_record(request, spider)
    )
    rebuilt = rebuild_request(entry, spider)
    assert rebuilt.callback == spider.parse_article and rebuilt.priority == 3
