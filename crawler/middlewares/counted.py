"""Scrapy's redirect, meta-refresh and decompression middlewares, with their drops counted.

These three refuse a response by raising ``IgnoreRequest`` from ``process_response``, where
no downloader middleware's ``process_exception`` sees it; the subclasses here record the
drop (``drop/redirect_limit``, ``drop/decompression_bomb``) and send ``response_refused``
(`crawler.middlewares.drops.record_refusal`) before raising it again.

Scrapy's meta-refresh middleware decodes every HTML body to look for a refresh in its first
4,096 characters; the subclass here skips a page whose first bytes cannot hold one, and
every page when ``METAREFRESH_MAXDELAY`` is 0 (our default: no refresh is ever followed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares.drops import record_refusal

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response


def _counted(crawler: Crawler, request: Request, call: Any) -> Any:
    try:
        return call()
    except IgnoreRequest as exc:
        record_refusal(crawler, request, exc)
        raise


def _refuse_loop(request: Request, result: Any) -> Any:
    """Raise when a redirect leads back to a URL already visited on the way."""
    if isinstance(result, Request):
        visited = [*request.meta.get("redirect_urls", []), request.url]
        if result.url in visited:
            raise IgnoreRequest(f"redirect loop back to {result.url[:200]}")
    return result


class _RefusesLoops:
    """Mixin for Scrapy's redirect middlewares: loops refused, drops counted."""

    crawler: Crawler

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        parent = super().process_response  # type: ignore[misc]
        return _counted(
            self.crawler, request, lambda: _refuse_loop(request, parent(request, response))
        )


class CountedRedirectMiddleware(_RefusesLoops, RedirectMiddleware):
    """``RedirectMiddleware`` that refuses loops and counts ``drop/redirect_limit`` and
    ``drop/redirect_loop``."""


class CountedMetaRefreshMiddleware(_RefusesLoops, MetaRefreshMiddleware):
    """``MetaRefreshMiddleware`` that refuses loops, counts its drops, and decodes only
    pages that may declare a refresh it would follow."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        if self._maxdelay <= 0 or not may_refresh(response.body):
            return response  # the parent would return it unchanged
        return super().process_response(request, response, spider)


#: Scrapy reads a refresh from the first 4,096 characters: at most 4 bytes each.
_REFRESH_SCAN_BYTES = 4 * 4096


def may_refresh(body: bytes) -> bool:
    """False when ``body`` cannot declare a meta refresh in its first 4,096 characters: an
    ASCII-compatible encoding (no NUL byte) without ``http-equiv`` in any case there."""
    head = body[:_REFRESH_SCAN_BYTES]
    return b"\x00" in head or b"http-equiv" in head.lower()


class CountedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` that counts ``drop/decompression_bomb``."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.crawler = crawler
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        parent = super().process_response
        return _counted(self.crawler, request, lambda: parent(request, response))
