"""Retry-After honoured up to a cap, backoff without it, and a circuit breaker per host."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from crawler.middlewares.pacing import retry_after_seconds

#: One request at a time per host. Scrapy 2.19 on the asyncio reactor releases a whole slot
#: queue at once when the slot delay is 0; any delay makes it honour the per-domain concurrency.
ONE_AT_A_TIME = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.05"}


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
            **ONE_AT_A_TIME,
            "RETRY_TIMES": "2",
            "CRAWLER_RETRY_BACKOFF_BASE": "0.1",
            "CRAWLER_BREAKER_FAILURES": "3",
        },
        follow=False,
    )
    assert set(good) <= run.fetched()
    assert not set(bad) & run.fetched()
    # Three failures open the circuit; the rest of the host's requests never leave (but for
    # one already on the wire: the slot may start it before the third answer has come back
    # up the middleware chain, which happens on a loaded machine).
    assert 3 <= len(failing.hits_for("/status/")) <= 4
    assert run.drops("circuit_open") + run.drops("http_500") == len(bad)
    assert run.drops("circuit_open") >= len(bad) - 1
    assert run.stats["news/breaker/opened"] == 1
    assert "Circuit open for 127.0.0.4" in run.log


def test_a_host_slow_on_every_answer_trips_the_breaker(make_server, run_crawl):
    slow, healthy = make_server("127.0.0.4"), make_server("127.0.0.5")
    tarpit = [slow.url(f"/delayed?secs=1.2&n={i}") for i in range(10)]
    good = [healthy.url(f"/ok/{i}") for i in range(10)]
    slow_after = {"CRAWLER_BREAKER_SLOW_SECONDS": "1", "CRAWLER_BREAKER_SLOW_RESPONSES": "3"}
    run = run_crawl(tarpit + good, settings={**ONE_AT_A_TIME, **slow_after}, follow=False)
    assert set(good) <= run.fetched()
    # Three slow answers (kept: they are answers) open the circuit; the rest never leave
    # (but for the one already on the wire, as above).
    answered = [slow.url(f"{h.path}?{urlencode(h.query, doseq=True)}") for h in slow.hits]
    answered = [url for url in answered if "/delayed" in url]
    assert 3 <= len(answered) <= 4 and set(answered) <= run.fetched()
    assert run.drops("slow_host") == len(tarpit) - len(answered)
    assert run.stats["news/breaker/slow_host"] == 1
    assert f"Circuit open for {slow.netloc} after 3 answers in a row slower than 1 s" in run.log


def test_prompt_answers_do_not_count_as_slow(make_server, run_crawl):
    server = make_server("127.0.0.4")
    urls = [server.url(f"/delayed?secs=0.2&n={i}") for i in range(6)]
    run = run_crawl(
        urls,
        settings={"CRAWLER_BREAKER_SLOW_SECONDS": "1", "CRAWLER_BREAKER_SLOW_RESPONSES": "2"},
        follow=False,
    )
    assert set(urls) <= run.fetched()
    assert run.drops("slow_host") == 0 and "news/breaker/slow_host" not in run.stats
