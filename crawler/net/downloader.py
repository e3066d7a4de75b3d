"""Scrapy's downloader, with each host's concurrency bound kept under the asyncio reactor,
and the requests still queued in download slots given up when the crawl stops.

Scrapy 2.19's ``Downloader._process_queue`` takes queued requests off a slot while
``slot.free_transfer_slots() > 0`` and starts each with ``_schedule_coro``. Under the
asyncio reactor that is ``loop.create_task``: ``_download``, which adds the request to
``slot.transferring``, runs only on a later turn of the loop, so a slot with no delay
never looks full and every queued request goes to the host at once (9 open requests to
one host with ``CONCURRENT_REQUESTS_PER_DOMAIN=2``). A slot with a delay starts one
request per call and waits, so it was never affected. Here a request counts as
transferring from the moment the slot hands it out.

A graceful stop (SIGTERM, one Ctrl-C) or a spider closing waits for every request the
downloader holds, and a slot with a delay (``DOWNLOAD_DELAY``, AutoThrottle,
``Crawl-delay``) sends its queue one delay apart: a stop took a minute and more. Once the
crawl stops, requests not yet handed out end with `StoppedBeforeDownload` (never sent;
``drop/stopped``) and the frontier leaves their URLs in progress, so the next crawl
fetches them; downloads under way finish or time out.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import create_looping_call
from twisted.python.failure import Failure

from crawler.net.policy import Dropped

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

#: The ``drop/<reason>`` of a request given up at a stop.
STOPPED = "stopped"
#: Meta key set on a request given up at a stop (for those who see the request, not the
#: exception: the Redis frontier gives such a request back to the shared queue).
GIVEN_UP_META = "crawler_given_up"
#: Seconds between looks, once requests are queued, at whether the crawl stopped.
_WATCH_INTERVAL = 0.25


class StoppedBeforeDownload(Dropped):
    """A request still queued in a download slot when the crawl stopped: never sent."""

    def __init__(self) -> None:
        super().__init__(STOPPED, "the crawl stopped before it was sent; the next crawl fetches it")


def given_up(exception: BaseException) -> bool:
    """True for a request given up at a stop (also when it waited for a robots.txt that was)."""
    return isinstance(exception, Dropped) and exception.reason == STOPPED


class SlotBoundDownloader(Downloader):
    """``Downloader`` that never has more than ``slot.concurrency`` requests out per slot,
    and gives up the requests still queued once the crawl stops."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._watch: Any = None
        self._given_up = 0

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # ``_download`` adds it again and removes it when done
        return super()._wait_for_download(slot, request, queue_dfd)

    def _process_queue(self, slot: Slot) -> None:
        if slot.queue and self._stopping():
            self._give_up(slot)
            return
        super()._process_queue(slot)

    def _get_slot(self, request: Request, spider: Any = None) -> tuple[str, Slot]:
        if self._watch is None:
            self._watch = create_looping_call(self._watch_stop)
            self._watch.start(_WATCH_INTERVAL, now=False)
        return super()._get_slot(request)

    def close(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        if self._given_up:
            logger.info(
                "%d requests not yet sent when the crawl stopped were given up: "
                "the next crawl fetches them",
                self._given_up,
            )
        super().close()

    def _stopping(self) -> bool:
        """True once the crawler stops or the engine closes the spider, for any reason."""
        if not self.crawler.crawling:
            return True
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)  # the engine's: ``closing`` is set as it closes
        return slot is not None and slot.closing is not None

    def _watch_stop(self) -> None:
        """Give up every slot's queue once the crawl stops (a slot with a delay waits for
        its next turn before it looks at its queue again)."""
        if self._stopping():
            for slot in list(self.slots.values()):
                if slot.queue:
                    self._give_up(slot)

    def _give_up(self, slot: Slot) -> None:
        queued = list(slot.queue)
        slot.queue.clear()
        self._given_up += len(queued)
        for _, deferred in queued:
            deferred.errback(Failure(StoppedBeforeDownload()))
