"""Network faults and hostile servers: every case ends in a counted drop, within bounds."""

from __future__ import annotations

import io
import zlib

import brotli
import zstandard

TIMEOUT = 3
MAX_RSS = 200 * 1024 * 1024
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024

#: path -> the drop reason the crawl must count for it
HOSTILE = {
    "/slowloris": "timeout",
    "/slow-headers": "timeout",
    "/hang-after-headers": "timeout",
    "/hang-before-response": "timeout",
    "/endless": "too_large",
    "/huge-length": "too_large",
    "/bomb/gzip": "decompression_bomb",
    "/bomb/deflate": "decompression_bomb",
    "/bomb/br": "decompression_bomb",
    "/bomb/zstd": "decompression_bomb",
    "/reset-mid-body": "truncated",
    "/short-length": "truncated",
    "/broken-chunked": "truncated",
}


def test_bombs_really_inflate_past_the_download_limit(bombs):
    """Each bomb, inflated only as far as 6 MiB, reaches it: it is bigger than the limit."""
    limit = 6 * 1024 * 1024
    inflated = {
        "gzip": len(zlib.decompressobj(31).decompress(bombs["gzip"], limit)),
        "deflate": len(zlib.decompressobj().decompress(bombs["deflate"], limit)),
        "br": len(brotli.Decompressor().process(bombs["br"], output_buffer_limit=limit)),
        "zstd": len(
            zstandard.ZstdDecompressor().stream_reader(io.BytesIO(bombs["zstd"])).read(limit)
        ),
    }
    assert all(size >= limit > DOWNLOAD_MAXSIZE for size in inflated.values()), inflated
    assert all(len(body) < 400_000 for body in bombs.values())


def test_hostile_responses_are_dropped_within_bounds_and_the_crawl_goes_on(
    hostile, run_crawl, bombs
):
    healthy = [hostile.url(f"/ok/{i}") for i in range(5)]
    urls = [hostile.url(path) for path in HOSTILE] + healthy + [hostile.url("/gzip-as-html")]
    # Every case here is on one host: the circuit breaker (tested on its own) would cut the
    # slow cases short once the fast ones had failed, so it is off for this crawl.
    settings = {
        "DOWNLOAD_TIMEOUT": str(TIMEOUT),
        "CRAWLER_BREAKER_FAILURES": "0",
        "CRAWLER_BREAKER_SLOW_RESPONSES": "0",
    }
    run = run_crawl(urls, settings=settings, follow=False)

    assert run.returncode == 0 and run.stats["finish_reason"] == "finished"
    assert set(healthy) <= run.fetched()
    assert not {hostile.url(path) for path in HOSTILE} & run.fetched()
    failed = run.failed()
    assert set(failed) == {hostile.url(path) for path in HOSTILE}
    expected: dict[str, int] = {}
    for reason in HOSTILE.values():
        expected[reason] = expected.get(reason, 0) + 1
    assert {reason: run.drops(reason) for reason in expected} == expected
    for path, reason in HOSTILE.items():
        assert f"Dropped {hostile.url(path)}: {reason}" in run.log

    # Every connection the crawler opened to the server ended within the timeout + 1 s.
    slowest = max(hit.duration for hit in hostile.hits)
    assert slowest <= TIMEOUT + 1, slowest
    # Faults that may be transient are retried (RETRY_TIMES=1), never stored half-read.
    for path in ("/reset-mid-body", "/short-length", "/slowloris"):
        assert len(hostile.hits_for(path)) == 2, path
    # A gzip body labelled text/html is passed on as the bytes it is, never inflated.
    gzip_item = next(i for i in run.items if i["url"].endswith("/gzip-as-html"))
    assert gzip_item["length"] == len(bombs["gzip"])
    assert run.peak_rss < MAX_RSS, run.peak_rss


def test_dns_failure_and_refused_connection_are_retried_then_dropped(run_crawl, hostile):
    refused = "http://127.0.0.1:9/closed-port"
    unresolvable = "http://no-such-host.invalid/article"
    run = run_crawl(
        [refused, unresolvable, hostile.url("/ok/control")],
        settings={"ROBOTSTXT_OBEY": "False"},
        follow=False,
    )
    assert run.fetched() == {hostile.url("/ok/control")}
    assert run.drops("connection_refused") == 1
    assert run.drops("dns_error") == 1
    assert run.stats["retry/count"] == 2  # each retried once (RETRY_TIMES=1)


def test_a_host_whose_robots_txt_cannot_be_fetched_gets_no_request(run_crawl, hostile):
    run = run_crawl(
        ["http://127.0.0.1:9/closed-port", "http://no-such-host.invalid/a", hostile.url("/ok/1")],
        follow=False,
    )
    assert run.fetched() == {hostile.url("/ok/1")}
    assert run.drops("robots_unavailable") == 2
    assert run.stats["news/robots/unreachable"] == 2


def test_redirect_loops_long_chains_and_refresh_loops_are_bounded(hostile, run_crawl):
    urls = [
        hostile.url("/redirect/loop/0"),
        hostile.url("/redirect/chain/0"),
        hostile.url("/redirect/chain/100?end=103"),
        hostile.url("/refresh/loop/0"),
    ]
    run = run_crawl(urls, settings={"METAREFRESH_MAXDELAY": "10"}, follow=False)
    assert run.drops("redirect_limit") == 2  # the long chain and the refresh loop
    assert run.drops("redirect_loop") == 1
    assert hostile.url("/redirect/chain/103?end=103") in run.fetched()
    assert len(hostile.hits_for("/redirect/chain/")) == 6 + 4
    assert len(hostile.hits_for("/refresh/loop/")) == 6
    # The loop between two URLs stops as soon as a URL repeats.
    assert len(hostile.hits_for("/redirect/loop/")) == 2


def test_only_pages_that_may_declare_a_refresh_are_decoded_for_one():
    from crawler.middlewares.counted import may_refresh

    refresh = '<html><head><META HTTP-EQUIV="Refresh" content="0;url=/x"></head></html>'
    assert may_refresh(refresh.encode())
    assert may_refresh(refresh.encode("utf-16"))  # not ASCII-compatible: always decoded
    assert not may_refresh(b"<html><head><title>refresh</title></head><body>" + b"x" * 9000)
    # Scrapy looks at the first 4,096 characters only: a refresh past 16 KiB cannot count
    assert not may_refresh(b"<html>" + b" " * 20000 + refresh.encode())
