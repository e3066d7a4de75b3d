"""Scope and SSRF: links, redirects, sitemaps and feeds pointing inside never connect there."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from crawler.net.addresses import is_public, parse_ip_host
from crawler.net.policy import AddressPolicy, BlockedAddress, Dropped
from tests.hostile.proxy import ForwardingProxy

RESOLVER = {"TWISTED_DNS_RESOLVER": "tests.hostile.fake_dns.HostileTestResolver"}


def internal_links(canaries) -> list[str]:
    """Links to the canaries in every spelling, and to internal addresses nothing serves."""
    c2, c3, c6 = (canaries[h].port for h in ("127.0.0.2", "127.0.0.3", "::1"))
    return [
        f"http://127.0.0.2:{c2}/plain",
        f"http://127.2:{c2}/short",
        f"http://2130706434:{c2}/decimal",
        f"http://0x7f000002:{c2}/hex",
        f"http://0177.0.0.2:{c2}/octal",
        f"http://0x7f.0.0.2:{c2}/hex-dotted",
        f"http://[::ffff:127.0.0.2]:{c2}/mapped",
        f"http://[::ffff:7f00:2]:{c2}/mapped-hex",
        f"http://127.0.0.3:{c3}/other",
        f"http://[::1]:{c6}/ipv6-loopback",
        f"http://canary.test:{c2}/dns-name",
        f"http://v6canary.test:{c6}/dns-name-v6",
        "http://metadata.test/latest/meta-data/",
        "http://internal.test/admin",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "https://[::ffff:169.254.169.254]/",
    ]


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("127.1", False),
        ("2130706433", False),
        ("0x7f000001", False),
        ("0177.0.0.1", False),
        ("[::ffff:127.0.0.1]", False),
        ("169.254.169.254", False),
        ("100.100.100.100", False),
        ("[fc00::1]", False),
        ("[64:ff9b::a00:1]", False),
        ("[2002:c0a8:101::]", False),
        ("8.8.8.8", True),
        ("[2001:4860:4860::8888]", True),
    ],
)
def test_every_spelling_of_an_address_is_read_and_judged(host, public):
    address = parse_ip_host(host)
    assert address is not None
    assert is_public(address) is public


def test_the_policy_trusts_seeds_and_refuses_other_schemes():
    policy = AddressPolicy()
    policy.add_seed("http://127.0.0.1:8000/")
    policy.check_url("http://127.1:8000/same-host-other-spelling")
    with pytest.raises(BlockedAddress):
        policy.check_url("http://127.0.0.2/")
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/", "data:,x"):
        with pytest.raises(Dropped) as caught:
            policy.check_url(url)
        assert caught.value.reason == "blocked_scheme"
    assert AddressPolicy(allow_private=True).permits("x", parse_ip_host("10.0.0.1"))


def _feed_and_sitemap(hostile, targets: list[str]) -> list[str]:
    locs = "".join(f"<url><loc>{t}</loc></url>" for t in targets)
    items = "".join(f"<item><title>t</title><link>{t}</link></item>" for t in targets)
    return [
        hostile.page(
            "/sitemap.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{locs}</urlset>",
            headers={"Content-Type": "application/xml"},
        ),
        hostile.page(
            "/feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
            headers={"Content-Type": "application/rss+xml"},
        ),
    ]


def test_no_connection_reaches_an_internal_address(hostile, canaries, run_crawl):
    targets = internal_links(canaries)
    links = [*targets, "file:///etc/passwd", "ftp://127.0.0.2/x", "gopher://127.0.0.2:70/"]
    links += [f"/redirect/to?url={t}" for t in targets[:3] + targets[10:11]]
    links.append("/redirect/to?url=file:///etc/passwd")
    home = hostile.page("/home", "".join(f'<a href="{href}">x</a>' for href in links))
    start_redirect = hostile.url(f"/redirect/to?url={targets[0].replace('plain', 'start')}")
    seeds = [home, start_redirect, *_feed_and_sitemap(hostile, targets)]
    run = run_crawl(seeds, settings=RESOLVER)

    assert {canary: c.connections for canary, c in canaries.items()} == dict.fromkeys(canaries, 0)
    assert home in run.fetched()
    # Every internal link, from the page, the sitemap, the feed and the redirects, is a
    # counted, logged drop; none was tried and failed some other way.
    for target in targets:
        assert f"Dropped {target}" in run.log, target
    # Literal addresses are dropped before scheduling, from each of the three documents;
    # a host name is dropped once, at connection time (its repeats are duplicates), and
    # each of the four redirects once.
    literals = [t for t in targets if parse_ip_host(urlsplit(t).hostname or "")]
    names = len(targets) - len(literals)
    assert run.drops("blocked_ip") == 3 * len(literals) + names + 4
    assert run.drops("blocked_scheme") >= 4
    assert not run.drops("timeout") and not run.drops("connection_refused")


def test_allow_private_lets_the_same_links_through(hostile, canaries, run_crawl):
    """The control: with CRAWLER_ALLOW_PRIVATE=1 the canaries are reached, so the test above
    would have seen a connection if the policy let one through."""
    targets = internal_links(canaries)[:12]
    home = hostile.page("/home", "".join(f'<a href="{t}">x</a>' for t in targets))
    run = run_crawl(
        [home],
        settings={**RESOLVER, "ROBOTSTXT_OBEY": "False"},
        env={"CRAWLER_ALLOW_PRIVATE": "1"},
    )
    assert run.drops("blocked_ip") == 0
    assert canaries["127.0.0.2"].connections >= 9
    assert canaries["127.0.0.3"].connections >= 1
    assert canaries["::1"].connections >= 2


@pytest.fixture
def proxy():
    """A forwarding proxy whose DNS sends the ``.test`` names to internal addresses."""
    started = ForwardingProxy().start()
    yield started
    started.stop()


def _crawl_through(proxy, run_crawl, urls, env=None):
    proxy_env = {"http_proxy": proxy.url, "HTTP_PROXY": proxy.url, "no_proxy": "", "NO_PROXY": ""}
    return run_crawl(
        urls,
        settings={**RESOLVER, "ROBOTSTXT_OBEY": "False"},
        env={**proxy_env, **(env or {})},
    )


def test_through_a_proxy_names_are_resolved_and_checked_too(hostile, canaries, proxy, run_crawl):
    c2, c6 = canaries["127.0.0.2"].port, canaries["::1"].port
    names = [
        f"http://canary.test:{c2}/via-proxy",
        f"http://v6canary.test:{c6}/via-proxy",
        "http://internal.test/admin",
        "http://metadata.test/latest/meta-data/",
    ]
    literal = f"http://127.0.0.2:{c2}/literal"
    home = hostile.page("/home", "".join(f'<a href="{href}">x</a>' for href in [*names, literal]))
    run = _crawl_through(proxy, run_crawl, [home])

    assert home in run.fetched() and proxy.requested == [home]  # the seed went through it
    assert {canary: c.connections for canary, c in canaries.items()} == dict.fromkeys(canaries, 0)
    for url in [*names, literal]:
        assert f"Dropped {url}" in run.log, url
    assert run.drops("blocked_ip") == len(names) + 1


def test_through_a_proxy_allow_private_lets_names_through(hostile, canaries, proxy, run_crawl):
    """The control: the proxy does connect to where its DNS points when nothing stops it."""
    target = f"http://canary.test:{canaries['127.0.0.2'].port}/via-proxy"
    home = hostile.page("/home", f'<a href="{target}">x</a>')
    run = _crawl_through(proxy, run_crawl, [home], env={"CRAWLER_ALLOW_PRIVATE": "1"})
    assert run.drops("blocked_ip") == 0
    assert target in proxy.requested and canaries["127.0.0.2"].connections >= 1
