"""The fixture site server: placeholders, pretty URLs, 404s, redirects, 304s and the request log."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.siteserver import SiteServer


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SiteServer]:
    _write(
        tmp_path / "alpha" / "index.html",
        '<a href="{{base}}/news/">x</a> <a href="{{site:beta}}/">b</a>',
    )
    _write(tmp_path / "alpha" / "news" / "index.html", "<h1>News</h1>")
    _write(tmp_path / "alpha" / "news" / "42" / "Clean_Title.html", "<h1>Clean</h1>")
    _write(tmp_path / "alpha" / "feed" / "index.rss", "<rss><link>{{base}}/</link></rss>")
    _write(tmp_path / "alpha" / "robots.txt", "User-agent: *\nDisallow: /private/\n")
    _write(tmp_path / "alpha" / "expected.json", "{}")
    _write(tmp_path / "alpha" / "_notes" / "a.html", "secret")
    _write(
        tmp_path / "alpha" / "_routes.json",
        json.dumps(
            {
                "redirects": {"/old/": "/news/", "/moved": {"to": "{{site:beta}}/", "status": 302}},
                "status": {"/gone/": 410},
            }
        ),
    )
    _write(tmp_path / "beta" / "index.html", "<p>beta home</p>")
    _write(tmp_path / "beta" / "404.html", "<p>beta has no {{base}}</p>")
    _write(tmp_path / "_shared" / "index.html", "not a site")
    with SiteServer(tmp_path) as running:
        yield running


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one GET that does not follow redirects."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target or "/", headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_sites_are_subfolders_on_their_own_ports(server: SiteServer) -> None:
    assert server.sites == ["alpha", "beta"]
    assert server.base_url("alpha") != server.base_url("beta")
    assert server.base_url("alpha").startswith("http://127.0.0.1:")
    with pytest.raises(KeyError):
        server.base_url("_shared")


def test_placeholders_are_substituted_with_running_base_urls(server: SiteServer) -> None:
    status, headers, body = _get(server.base_url("alpha") + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    alpha, beta = server.base_url("alpha"), server.base_url("beta")
    assert body.decode() == f'<a href="{alpha}/news/">x</a> <a href="{beta}/">b</a>'
    assert int(headers["Content-Length"]) == len(body)


def test_pretty_urls_serve_index_files_and_ignore_query(server: SiteServer) -> None:
    base = server.base_url("alpha")
    assert _get(base + "/news/")[2] == b"<h1>News</h1>"
    assert _get(base + "/news/?utm_source=x&fbclid=1")[2] == b"<h1>News</h1>"
    status, headers, body = _get(base + "/feed/")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    assert body.decode() == f"<rss><link>{base}/</link></rss>"
    assert _get(base + "/news/42/Clean_Title?utm_medium=x")[2] == b"<h1>Clean</h1>"
    assert _get(base + "/news/42/Clean_Title.html")[2] == b"<h1>Clean</h1>"
    assert _get(base + "/news/42/Clean_Title/")[0] == 404
    status, headers, _ = _get(base + "/news?page=2")
    assert status == 301 and headers["Location"] == "/news/?page=2"


def test_missing_and_private_files_are_404(server: SiteServer) -> None:
    alpha, beta = server.base_url("alpha"), server.base_url("beta")
    for path in ("/nope.html", "/expected.json", "/_routes.json", "/_notes/a.html", "/../beta/"):
        assert _get(alpha + path)[0] == 404, path
    status, headers, body = _get(beta + "/missing/")
    assert status == 404 and body.decode() == f"<p>beta has no {beta}</p>"
    assert _get(alpha + "/robots.txt")[2].startswith(b"User-agent: *")


def test_unknown_site_placeholder_is_a_server_error(server: SiteServer) -> None:
    _write(server.site_dir("beta") / "broken.html", "<a href='{{site:nowhere}}/'>x</a>")
    status, _, body = _get(server.base_url("beta") + "/broken.html")
    assert status == 500 and b"nowhere" in body


def test_routes_redirect_and_set_status(server: SiteServer) -> None:
    alpha = server.base_url("alpha")
    status, headers, _ = _get(alpha + "/old/")
    assert (status, headers["Location"]) == (301, "/news/")
    status, headers, _ = _get(alpha + "/moved")
    assert (status, headers["Location"]) == (302, server.base_url("beta") + "/")
    assert _get(alpha + "/gone/")[0] == 410
    with urllib.request.urlopen(alpha + "/old/") as resp:
        assert resp.read() == b"<h1>News</h1>"


def test_conditional_requests_get_304(server: SiteServer) -> None:
    url = server.base_url("alpha") + "/news/"
    status, headers, body = _get(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"')
    assert _get(url, {"If-None-Match": etag})[0:2][0] == 304
    status, headers304, body304 = _get(url, {"If-None-Match": f'W/{etag}, "other"'})
    assert (status, body304, headers304["ETag"]) == (304, b"", etag)
    assert _get(url, {"If-Modified-Since": last_modified})[0] == 304
    assert _get(url, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    assert _get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_changed_file_is_served_fresh_with_new_validators(server: SiteServer) -> None:
    url = server.base_url("alpha") + "/news/"
    etag = _get(url)[1]["ETag"]
    page = server.site_dir("alpha") / "news" / "index.html"
    page.write_text("<h1>News, updated</h1>", encoding="utf-8")
    os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 10))
    status, headers, body = _get(url, {"If-None-Match": etag})
    assert (status, body) == (200, b"<h1>News, updated</h1>")
    assert headers["ETag"] != etag
    _write(server.site_dir("alpha") / "news" / "new-story.html", "<p>new</p>")
    assert _get(server.base_url("alpha") + "/news/new-story.html")[2] == b"<p>new</p>"


def test_request_log_records_every_request(server: SiteServer) -> None:
    alpha, beta = server.base_url("alpha"), server.base_url("beta")
    _get(alpha + "/news/?utm_source=feed", {"User-Agent": "probe/1"})
    _get(alpha + "/nope")
    _get(beta + "/")
    log = server.request_log()
    assert [(r.site, r.method, r.path, r.status) for r in log] == [
        ("alpha", "GET", "/news/?utm_source=feed", 200),
        ("alpha", "GET", "/nope", 404),
        ("beta", "GET", "/", 200),
    ]
    assert log[0].headers["User-Agent"] == "probe/1"
    assert log[0].time <= log[1].time <= log[2].time
    log.clear()
    assert len(server.request_log()) == 3
    server.clear_log()
    assert server.request_log() == []


def test_head_and_keep_alive(server: SiteServer) -> None:
    parts = urllib.parse.urlsplit(server.base_url("alpha"))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("HEAD", "/news/")
    head = conn.getresponse()
    assert head.status == 200 and head.read() == b""
    assert int(head.getheader("Content-Length")) == len(b"<h1>News</h1>")
    conn.request("GET", "/news/")  # same connection
    assert conn.getresponse().read() == b"<h1>News</h1>"
    conn.close()
    assert [r.method for r in server.request_log()] == ["HEAD", "GET"]


def test_stop_closes_ports(tmp_path: Path) -> None:
    _write(tmp_path / "only" / "index.html", "x")
    server = SiteServer(tmp_path).start()
    base = server.base_url("only")
    assert _get(base + "/")[0] == 200
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=2)


def test_command_line_serves_until_terminated(tmp_path: Path) -> None:
    _write(tmp_path / "only" / "index.html", "<p>{{base}}</p>")
    command = [sys.executable, "-m", "crawler.siteserver", str(tmp_path)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            name, base = proc.stdout.readline().split()
            assert name == "only"
            assert _get(base)[2].decode() == f"<p>{base.rstrip('/')}</p>"
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=10)
            assert (proc.returncode, err) == (0, "stopped\n")
        finally:
            if proc.poll() is None:
                proc.kill()
