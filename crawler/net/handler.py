"""The http/https download handler: Scrapy's HTTP/1.1 handler with guarded connections.

Register it for both schemes (``DOWNLOAD_HANDLERS``) and disable every other scheme. A
direct connection goes through ``GuardedEndpoint``, so the address checked is the address
connected to. Through a proxy (``meta['proxy']``) the proxy resolves the name itself, so
the name is resolved here too before the request leaves and every address it has must pass.
Each response's ``meta[DOWNLOAD_SECONDS]`` is the time its whole download took.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.web.client import Agent

from crawler.net.connect import GuardedEndpointFactory, check_proxied_host
from crawler.net.policy import AddressPolicy

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Meta key: seconds from sending the request to the last byte of the body.
DOWNLOAD_SECONDS = "crawler_download_seconds"


def crawl_policy(crawler: Crawler) -> AddressPolicy:
    """The crawl's address policy: the one the scope middleware fills with seeds, or, when
    that middleware is not enabled, a policy without seeds (nothing private is trusted)."""
    from crawler.middlewares.scope import ScopeMiddleware

    middleware = crawler.get_spider_middleware(ScopeMiddleware)
    if middleware is not None:
        return middleware.policy
    return ScopeMiddleware.policy_from_settings(crawler.settings)


class _GuardedScrapyAgent(_ScrapyAgent):
    """Scrapy's agent with the endpoint factory of direct connections replaced."""

    def __init__(self, *, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._policy = policy

    def _get_agent(self, request: Request, timeout: float) -> Agent:
        agent = super()._get_agent(request, timeout)
        if not request.meta.get("proxy"):  # a proxied host was checked before (check_proxied_host)
            agent._endpointFactory = GuardedEndpointFactory(agent._endpointFactory, self._policy)
        return agent


class GuardedHTTPDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` whose connections honour the crawl's ``AddressPolicy``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._policy: AddressPolicy | None = None

    async def download_request(self, request: Request) -> Response:
        if self._policy is None:
            self._policy = crawl_policy(self._crawler)
        self._policy.check_url(request.url)
        started = time.monotonic()
        if request.meta.get("proxy"):
            parts = urlparse_cached(request)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            from twisted.internet import reactor

            await check_proxied_host(reactor, self._policy, parts.hostname or "", port)
        agent = _GuardedScrapyAgent(
            policy=self._policy,
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                response = await maybe_deferred_to_future(agent.download_request(request))
            request.meta[DOWNLOAD_SECONDS] = time.monotonic() - started
            return response
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                self._fail_on_dataloss_warned = True
                import logging

                logging.getLogger(__name__).warning(get_dataloss_msg(request.url))
            raise
