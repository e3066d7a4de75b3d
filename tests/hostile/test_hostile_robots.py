"""robots.txt per RFC 9309: unreachable means no page, 4xx means allow, Crawl-delay is kept."""

from __future__ import annotations

from tests.hostile.routes import robots_route

TIMEOUT = 2


def _serve_robots(make_server, kind: str, body: str = "", host: str = "127.0.0.1", **kw):
    server = make_server(host)
    server.routes["/robots.txt"] = robots_route(kind, body, **kw)
    return server


def test_robots_answers_decide_which_pages_are_fetched(make_server, run_crawl):
    down = _serve_robots(make_server, "503")
    hung = _serve_robots(make_server, "timeout")
    missing = _serve_robots(make_server, "404")
    # A rule 490 KiB into a 10 MB robots.txt still applies; the rest is never downloaded.
    padding = "# pad\n" * (490 * 1024 // 6)
    huge = _serve_robots(make_server, "huge", f"Disallow: /early/\n{padding}Disallow: /private/\n")
    urls = {
        "down": [down.url("/ok/1"), down.url("/ok/2")],
        "hung": [hung.url("/ok/1")],
        "missing": [missing.url("/ok/1"), missing.url("/ok/2")],
        "huge_ok": [huge.url("/ok/1")],
        "huge_forbidden": [huge.url("/early/1"), huge.url("/private/1")],
    }
    run = run_crawl(
        [u for group in urls.values() for u in group],
        settings={"DOWNLOAD_TIMEOUT": str(TIMEOUT)},
        follow=False,
    )
    fetched = run.fetched()
    # 5xx and timeout: no page of the host was requested at all.
    assert not down.hits_for("/ok/") and not hung.hits_for("/ok/")
    assert len(down.hits_for("/robots.txt")) == 2  # asked, retried once (RETRY_TIMES=1)
    assert all(hit.duration <= TIMEOUT + 1 for hit in hung.hits_for("/robots.txt"))
    assert run.drops("robots_unavailable") == 3
    # 4xx: every page is allowed.
    assert set(urls["missing"]) <= fetched
    # A 10 MB robots.txt is read up to 512 KiB, and its rules apply.
    assert set(urls["huge_ok"]) <= fetched
    assert not set(urls["huge_forbidden"]) & fetched
    assert run.drops("robots_forbidden") == 2
    assert run.stats["news/robots/truncated"] == 1


def test_unreachable_robots_is_asked_again_and_a_good_answer_opens_the_host(make_server, run_crawl):
    flaky = _serve_robots(make_server, "flaky", "User-agent: *\nDisallow: /private/\n", fails=1)
    other = make_server("127.0.0.5")
    late_links = [flaky.url("/ok/late"), flaky.url("/private/late")]
    later = other.url("/delayed?secs=2&" + "&".join(f"link={u}" for u in late_links))
    run = run_crawl(
        [flaky.url("/ok/early"), later],
        settings={"RETRY_TIMES": "0", "CRAWLER_ROBOTS_RETRY_INTERVAL": "1"},
    )
    assert flaky.url("/ok/early") not in run.fetched()
    assert flaky.url("/ok/late") in run.fetched()
    assert flaky.url("/private/late") not in run.fetched()
    assert len(flaky.hits_for("/robots.txt")) == 2
    assert run.drops("robots_unavailable") == 1 and run.drops("robots_forbidden") == 1


def _gaps(server, prefix: str) -> list[float]:
    opened = sorted(hit.opened for hit in server.hits_for(prefix))
    return [b - a for a, b in zip(opened, opened[1:], strict=False)]


def test_crawl_delay_is_honoured_up_to_the_cap_with_autothrottle_on(make_server, run_crawl):
    polite = _serve_robots(make_server, "200", "User-agent: *\nCrawl-delay: 1\n", "127.0.0.4")
    greedy = _serve_robots(make_server, "200", "User-agent: *\nCrawl-delay: 3600\n", "127.0.0.5")
    urls = [s.url(f"/ok/{i}") for s in (polite, greedy) for i in range(3)]
    run = run_crawl(
        urls,
        settings={"AUTOTHROTTLE_ENABLED": "True", "CRAWLER_CRAWL_DELAY_MAX": "1.2"},
        follow=False,
        timeout=60,
    )
    assert set(urls) <= run.fetched()
    assert len(_gaps(polite, "/ok/")) == 2 and min(_gaps(polite, "/ok/")) >= 0.95
    assert min(_gaps(greedy, "/ok/")) >= 1.15 and max(_gaps(greedy, "/ok/")) < 5
    assert run.stats["news/robots/crawl_delay"] == 2
