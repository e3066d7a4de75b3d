"""A healthy host crawled beside a hostile one keeps at least 90% of its solo throughput.

Product settings (AutoThrottle on, 20 s download timeout, three retries); the hostile host
hangs or drips on every request. The healthy host answers each page after 50 ms, as a real
server does, so its throughput is set by the concurrency the crawl gives it (what a hostile
host could take away) and not by how fast this shared 2-core machine runs Scrapy: a
zero-latency loopback host made a 2-second crawl whose rate swung from 69% to 150% between
rounds. Throughput is the healthy server's own count of requests per second, from its first
to its last hit, solo and then mixed with the hostile URLs; the best of two rounds of each.
"""

from __future__ import annotations

import pytest

PRODUCT = {"AUTOTHROTTLE_ENABLED": "True", "DOWNLOAD_TIMEOUT": "20", "RETRY_TIMES": "3"}
#: Solo and mixed crawls alternate this many times; each side keeps its best rate.
ROUNDS = 2
#: Healthy pages per crawl, and the healthy server's latency per page (seconds).
PAGES, LATENCY = 300, 0.05
HEALTHY = "/delayed"


def _rate(server) -> float:
    opened = sorted(hit.opened for hit in server.hits_for(HEALTHY))
    return (len(opened) - 1) / (opened[-1] - opened[0])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_healthy_host_keeps_its_throughput_beside_a_hostile_one(make_server, run_crawl):
    healthy, hostile = make_server("127.0.0.5"), make_server("127.0.0.6")
    good = [healthy.url(f"{HEALTHY}?secs={LATENCY}&n={i}") for i in range(PAGES)]
    bad = [hostile.url(f"/hang-before-response?n={i}") for i in range(40)]
    bad += [hostile.url(f"/slowloris?n={i}") for i in range(20)]
    mixed = [url for pair in zip(bad, good, strict=False) for url in pair] + good[len(bad) :]

    solo = beside = 0.0
    for _ in range(ROUNDS):
        healthy.hits.clear()
        run_crawl(good, settings=PRODUCT, follow=False, timeout=300)
        solo = max(solo, _rate(healthy))
        healthy.hits.clear()
        hostile.hits.clear()
        run = run_crawl(mixed, settings=PRODUCT, follow=False, timeout=400)
        beside = max(beside, _rate(healthy))

    print(
        f"healthy host: solo {solo:.1f} pages/s, beside the hostile host {beside:.1f} "
        f"pages/s ({beside / solo:.0%}); crawler peak RSS {run.peak_rss >> 20} MB"
    )
    assert len(healthy.hits_for(HEALTHY)) == len(good)
    assert beside >= 0.9 * solo
    assert sum(v for k, v in run.stats.items() if k.startswith("drop/")) == len(bad)
    assert max(hit.duration for hit in hostile.hits) <= 20 + 1
