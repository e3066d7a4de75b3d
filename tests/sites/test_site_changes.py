"""A site written with its newest articles held back, then in full: what a recrawl sees change."""

from __future__ import annotations

import http.client
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from crawler.siteserver import SiteServer


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", parts.path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def test_held_back_articles_appear_after_rewrite(tmp_path: Path, site_builder: ModuleType) -> None:
    before = site_builder.write_sites(tmp_path, hold_back={"wordpress": 2})
    old_paths = {a["path"] for a in before["wordpress"]["articles"]}
    assert len(old_paths) == 18
    with SiteServer(tmp_path) as server:
        base = server.base_url("wordpress")
        _, home_headers, home = _get(base + "/")
        _, robots_headers, _ = _get(base + "/robots.txt")
        feed = _get(base + "/feed/")[2]

        after = site_builder.write_sites(tmp_path)
        new_paths = {a["path"] for a in after["wordpress"]["articles"]} - old_paths
        assert len(new_paths) == 2
        assert len(after["wordpress"]["articles"]) == 20
        for path in new_paths:
            assert path not in home and path not in feed
        status, _, new_home = _get(base + "/", {"If-None-Match": home_headers["ETag"]})
        assert status == 200
        assert all(path in new_home for path in new_paths)
        assert all(_get(base + path)[0] == 200 for path in new_paths)
        assert all(path in _get(base + "/feed/")[2] for path in new_paths)
        assert _get(base + "/robots.txt", {"If-None-Match": robots_headers["ETag"]})[0] == 304


def test_held_back_articles_are_not_served(tmp_path: Path, site_builder: ModuleType) -> None:
    full = site_builder.write_sites(tmp_path / "full")
    held = site_builder.write_sites(tmp_path / "held", hold_back={"newspaper": 1})
    missing = {a["path"] for a in full["newspaper"]["articles"]} - {
        a["path"] for a in held["newspaper"]["articles"]
    }
    assert len(missing) == 1
    with SiteServer(tmp_path / "held") as server:
        assert _get(server.base_url("newspaper") + missing.pop())[0] == 404
    copy = next(a for a in held["defense"]["articles"] if a["title"].startswith("Navy Commissions"))
    assert copy["duplicate_of"] is None, "the wire copy has no original while it is held back"
