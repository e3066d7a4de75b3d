"""What a frontier row records of a request (besides its URL), and the request rebuilt from it.

A record holds plain JSON: callbacks by name, priority, ``dont_filter``, the method, and the
meta values that are JSON (``crawler_frontier_*`` keys, the frontier's own bookkeeping, are
left out). `rebuild_request` turns a requeued row back into a request of the same spider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.spiders import Spider

    from crawler.storage.frontier import Requeued

#: Meta keys with this prefix belong to the frontier (``crawler.frontier``): not recorded.
FRONTIER_META_PREFIX = "crawler_frontier_"
#: Frontier kind by callback name; any other callback fetches a page that may be an article.
_KINDS = {
    "parse_feed": "feed",
    "parse_sitemap": "sitemap",
    "parse_robots": "sitemap",
    "parse_listing": "listing",
}
_PLAIN = (str, int, float, bool, type(None))
_CALLBACKS = ("callback", "errback")
_UNKNOWN = object()


def request_kind(request: Request) -> str:
    """``feed``, ``sitemap``, ``listing`` or ``article``, from the request's callback."""
    return _KINDS.get(getattr(request.callback, "__name__", ""), "article")


def request_record(request: Request, spider: Spider) -> dict[str, Any]:
    """What rebuilds ``request`` besides its URL: callbacks by name, priority, plain meta."""
    names = {key: _own_method_name(getattr(request, key), spider) for key in _CALLBACKS}
    if any(name is _UNKNOWN for name in names.values()):
        full = request.to_dict(spider=spider)  # Scrapy's search over every spider member
        names = {key: full.get(key) for key in _CALLBACKS}
    record: dict[str, Any] = {key: name for key, name in names.items() if name is not None}
    if request.priority:
        record["priority"] = request.priority
    if request.dont_filter:
        record["dont_filter"] = True
    if request.method != "GET":
        record["method"] = request.method
    meta = {
        k: v
        for k, v in request.meta.items()
        if not k.startswith(FRONTIER_META_PREFIX) and _is_plain(v)
    }
    if meta:
        record["meta"] = meta
    return record


def rebuild_request(entry: Requeued, spider: Spider) -> Request:
    """The request a frontier row recorded (ValueError when it cannot be rebuilt)."""
    if entry.request is None:
        raise ValueError("no request recorded")
    return request_from_dict({**entry.request, "url": entry.url}, spider=spider)


def _own_method_name(func: Any, spider: Spider) -> Any:
    """The name ``Request.to_dict`` gives callback ``func``, found with one lookup when it is
    a method of ``spider`` (Scrapy's search costs ~1.5 ms per request); else ``_UNKNOWN``."""
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if name is not None and getattr(func, "__self__", None) is spider:
        own = getattr(spider, name, None)
        if getattr(own, "__func__", _UNKNOWN) is getattr(func, "__func__", None):
            return name
    return _UNKNOWN


def _is_plain(value: Any) -> bool:
    """True for JSON values: plain scalars, and lists and str-keyed dicts of them."""
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False
