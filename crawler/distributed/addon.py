"""The Scrapy add-on that switches a crawl to the shared Redis frontier when a Redis URL is set."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from crawler.distributed.keys import check_namespace

SCHEDULER = "crawler.distributed.scheduler.RedisFrontierScheduler"
DUPEFILTER = "crawler.distributed.scheduler.SeenFilter"


class RedisFrontierAddon:
    """With ``CRAWLER_REDIS_URL`` (``--redis``), the scheduler and the dupe filter become
    scrapy-redis's, adapted in `crawler.distributed.scheduler`; without it nothing changes.

    Settings are set at add-on priority, so a project or command-line value still wins.
    ``CRAWLER_REDIS_NAMESPACE`` is checked here so that a bad one fails before the crawl.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("CRAWLER_REDIS_URL")
        if not url:
            return
        check_namespace(settings.get("CRAWLER_REDIS_NAMESPACE") or "crawler")
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set("DUPEFILTER_CLASS", DUPEFILTER, priority="addon")
        settings.set("REDIS_URL", url, priority="addon")
        # The frontier outlives each worker: the scheduler decides when it is finished.
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
