"""Crawl scope: the seeds the user gave, and links the address policy refuses on sight.

``ScopeMiddleware`` (a spider middleware) owns the crawl's ``AddressPolicy``. Every request
from ``start()`` is a seed: its host is trusted whatever it resolves to. Every request a
callback yields is checked before it is scheduled: a scheme other than http(s)
(``drop/blocked_scheme``) or an IP literal the policy refuses, in any spelling
(``drop/blocked_ip``), is dropped there. Host names are checked again at connection time by
``crawler.net.handler.GuardedHTTPDownloadHandler``, which reads the same policy.

Settings: ``CRAWLER_ALLOW_PRIVATE`` (bool) trusts every address; ``CRAWLER_SEED_HOSTS``
(list) adds trusted hosts for crawls whose seeds do not come from ``start()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.middlewares.drops import record_drop
from crawler.net.policy import AddressPolicy, Dropped, canonical_host

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings


class ScopeMiddleware(BaseSpiderMiddleware):
    """Records seeds from ``start()`` and drops out-of-policy links before scheduling."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.policy = self.policy_from_settings(crawler.settings)

    @staticmethod
    def policy_from_settings(settings: BaseSettings) -> AddressPolicy:
        """A policy with the private-address switch and explicit seed hosts from settings."""
        seeds = {canonical_host(host) for host in settings.getlist("CRAWLER_SEED_HOSTS")}
        return AddressPolicy(settings.getbool("CRAWLER_ALLOW_PRIVATE"), seeds)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:
            self.policy.add_seed(request.url)
        try:
            self.policy.check_url(request.url)
        except Dropped as exc:
            record_drop(self.crawler.stats, exc.reason, request.url, exc.detail)
            return None
        return request
