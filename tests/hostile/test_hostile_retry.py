"""Retry-After honoured up to a cap, backoff without it, and a circuit breaker per host."""

from __future__ import annotations

import time

from crawler.middlewares.pacing import retry_after_seconds


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds(time.strftime("%a, %d %b %Y %H:%M:%S")) is None  # no zone
    for junk in (b"soon", b"-5", b"1e9", b"", None):
        assert retry_after_seconds(junk) is None


def _gap(server, prefix: str) -> float:
    first, second = sorted(hit.opened for hit in server.hits_for(prefix))[:2]
    return second - first


def test_retry_after_is_honoured_up_to_the_cap(make_server, run_crawl):
    seconds, date, huge, plain = (
        make_server(h) for h in ("127.0.0.1", "127.0.0.4", "127.0.0.5", "127.0.0.6")
    )
    urls = [
        seconds.url("/status/429?after=2&times=1"),
        date.url("/status/503?date=3&times=1"),
        huge.url("/status/503?after=86400&times=1"),
        plain.url("/status/503?times=2"),
    ]
    run = run_crawl(
        urls,
        settings={
            "RETRY_TIMES": "2",
            "CRAWLER_RETRY_AFTER_MAX": "3",
            "CRAWLER_RETRY_BACKOFF_BASE": "0.5",
        },
        follow=False,
        timeout=60,
    )
    assert set(urls) <= run.fetched()  # each recovered after its wait
    assert 2.0 <= _gap(seconds, "/status/") < 3.5
    assert 2.0 <= _gap(date, "/status/") < 4.5  # an HTTP date has one-second resolution
    assert 3.0 <= _gap(huge, "/status/") < 4.5  # a day, capped at 3 s
    backoff = sorted(hit.opened for hit in plain.hits_for("/status/"))
    assert len(backoff) == 3
    assert 0.5 <= backoff[1] - backoff[0] < 1.5 and 1.0 <= backoff[2] - backoff[1] < 2.0
    assert run.stats["news/retry/retry_after"] == 3
    assert run.stats["news/retry/retry_after_capped"] == 1


def test_a_failing_host_trips_the_breaker_and_the_healthy_host_goes_on(make_server, run_crawl):
    failing, healthy = make_server("127.0.0.4"), make_server("127.0.0.5")
    bad = [failing.url(f"/status/500?n={i}") for i in range(12)]
    good = [healthy.url(f"/ok/{i}") for i in range(12)]
    run = run_crawl(
        bad + good,
        settings={
            "RETRY_TIMES": "2",
            "CRAWLER_RETRY_BACKOFF_BASE": "0.1",
            "CRAWLER_BREAKER_FAILURES": "3",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            # Scrapy 2.19 on the asyncio reactor releases a whole slot queue at once when
            # the slot delay is 0; any delay makes it honour the per-domain concurrency.
            "DOWNLOAD_DELAY": "0.05",
        },
        follow=False,
    )
    assert set(good) <= run.fetched()
    assert not set(bad) & run.fetched()
    # Three failures open the circuit; the rest of the host's requests never leave.
    assert len(failing.hits_for("/status/")) == 3
    assert run.drops("circuit_open") + run.drops("http_500") == len(bad)
    assert run.drops("circuit_open") >= len(bad) - 1
    assert run.stats["news/breaker/opened"] == 1
    assert "Circuit open for 127.0.0.4" in run.log
