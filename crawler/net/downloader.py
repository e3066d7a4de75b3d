"""Scrapy's downloader, with each host's concurrency bound kept under the asyncio reactor.

Scrapy 2.19's ``Downloader._process_queue`` takes queued requests off a slot while
``slot.free_transfer_slots() > 0`` and starts each with ``_schedule_coro``. Under the
asyncio reactor that is ``loop.create_task``: ``_download``, which adds the request to
``slot.transferring``, runs only on a later turn of the loop, so a slot with no delay
never looks full and every queued request goes to the host at once (9 open requests to
one host with ``CONCURRENT_REQUESTS_PER_DOMAIN=2``). A slot with a delay starts one
request per call and waits, so it was never affected. Here a request counts as
transferring from the moment the slot hands it out.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from twisted.internet.defer import Deferred


class SlotBoundDownloader(Downloader):
    """``Downloader`` that never has more than ``slot.concurrency`` requests out per slot."""

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # ``_download`` adds it again and removes it when done
        return super()._wait_for_download(slot, request, queue_dfd)
