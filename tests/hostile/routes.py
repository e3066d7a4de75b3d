"""The hostile server's routes: each one misbehaves in one documented way.

Paths (the longest prefix answers):
  /ok/...                 a small valid article page (the healthy control)
  /slowloris              headers, then the body one byte every 0.2 s forever
  /slow-headers           the header block one byte every 0.2 s, never finished
  /hang-after-headers     headers announcing 100 kB, then silence
  /hang-before-response   reads the request, answers nothing
  /endless                a close-delimited body that never ends
  /huge-length            ``Content-Length: 10 GB`` and a body that keeps coming
  /bomb/<enc>             a 200 MB gzip/deflate/br/zstd bomb with ``Content-Encoding``
  /gzip-as-html           a gzip bomb served as ``text/html`` with no ``Content-Encoding``
  /reset-mid-body         half the announced body, then a TCP reset
  /short-length           half the announced body, then a clean close
  /broken-chunked         a chunked body with a malformed chunk size
  /status/<code>          ``<code>`` with ``Retry-After`` (``?after=S`` seconds or
                          ``?date=S`` an HTTP date S seconds ahead) for the first ``?times=N``
                          hits of that URL, then a valid page
  /redirect/loop/<n>      302 between two URLs forever
  /redirect/chain/<n>     302 to <n+1>, a valid page at ``?end=N``
  /redirect/to?url=U      302 to U
  /refresh/loop/<n>       a meta refresh to <n+1>, forever
  /trap/calendar/<year>   a calendar linking to the years around it, forever
  /trap/sort              a listing linking to every sort/filter permutation
  /trap/repeat/...        a page linking to its own path plus one more segment
  /trap/long/...          a page linking to a URL twice as long as its own
  /trap/session/...       article links carrying a fresh session id on every visit
  /delayed?secs=S&link=U  a page linking to each U, answered after S seconds
  /robots.txt             404 unless a test installs ``robots_route(...)``
"""

from __future__ import annotations

import email.utils
import itertools
import time
import uuid

from tests.hostile.server import Exchange, Route, head

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title></head><body><article><h1>{title}</h1>
<p>This is a plain article body about {title}; it is long enough to look like text.</p>
{links}</article></body></html>"""


def article_page(title: str, links: list[str] | tuple[str, ...] = ()) -> str:
    """A small valid HTML article with the given outgoing links."""
    anchors = "\n".join(f'<a href="{href}">link {i}</a>' for i, href in enumerate(links))
    return ARTICLE.format(title=title, links=anchors)


def ok(ex: Exchange) -> None:
    ex.send(200, article_page(ex.path).encode())


def slowloris(ex: Exchange) -> None:
    ex.raw(head(200, {"Content-Type": "text/html", "Connection": "close"}))
    ex.drip(b"<p>slow</p>", interval=0.2)


def slow_headers(ex: Exchange) -> None:
    ex.raw(b"HTTP/1.1 200 OK\r\n")
    ex.drip(b"X-Slow: aaaaaaaaaaaaaaaa\r\n", interval=0.2)


def hang_after_headers(ex: Exchange) -> None:
    ex.raw(head(200, {"Content-Type": "text/html", "Content-Length": "100000"}))
    ex.wait_closed()


def hang_before_response(ex: Exchange) -> None:
    ex.wait_closed()


def endless(ex: Exchange) -> None:
    ex.raw(head(200, {"Content-Type": "text/html", "Connection": "close"}))
    ex.flood(b"<p>" + b"endless " * 8000 + b"</p>\n")


def huge_length(ex: Exchange) -> None:
    headers = {"Content-Type": "text/html", "Content-Length": str(10 * 1024**3)}
    ex.raw(head(200, headers))
    ex.flood(b"x" * 65536)


def bomb_route(bombs: dict[str, bytes]) -> Route:
    def bomb(ex: Exchange) -> None:
        encoding = ex.path.rsplit("/", 1)[-1]
        ex.send(200, bombs[encoding], {"Content-Encoding": encoding})

    return bomb


def gzip_as_html_route(bombs: dict[str, bytes]) -> Route:
    def gzip_as_html(ex: Exchange) -> None:
        ex.send(200, bombs["gzip"], content_type="text/html; charset=utf-8")

    return gzip_as_html


def reset_mid_body(ex: Exchange) -> None:
    ex.raw(head(200, {"Content-Type": "text/html", "Content-Length": "100000"}))
    ex.raw(b"<html><body>" + b"a" * 50000)
    time.sleep(0.05)
    ex.reset()


def short_length(ex: Exchange) -> None:
    ex.raw(head(200, {"Content-Type": "text/html", "Content-Length": "100000"}))
    ex.raw(b"<html><body>" + b"a" * 50000)


def broken_chunked(ex: Exchange) -> None:
    headers = {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}
    ex.raw(head(200, headers) + b"a\r\n<html><bod\r\nZZ-not-hex\r\ny>oops\r\n0\r\n\r\n")


def status(ex: Exchange) -> None:
    """``/status/<code>``: an error with Retry-After for the first N hits of this URL."""
    code = int(ex.path.split("/")[2])
    key = ex.path + "?" + "&".join(f"{k}={v[0]}" for k, v in sorted(ex.hit.query.items()))
    if ex.server.count(key) > int(ex.arg("times", "1000000")):
        ex.send(200, article_page(f"recovered {ex.path}").encode())
        return
    headers: dict[str, str] = {}
    if ex.arg("after"):
        headers["Retry-After"] = ex.arg("after")
    elif ex.arg("date"):
        when = time.time() + float(ex.arg("date"))
        headers["Retry-After"] = email.utils.formatdate(when, usegmt=True)
    ex.send(code, b"<html><body>try later</body></html>", headers)


def redirect(ex: Exchange, location: str, code: int = 302) -> None:
    ex.send(code, b"", {"Location": location})


def redirect_loop(ex: Exchange) -> None:
    n = int(ex.path.rsplit("/", 1)[-1] or 0)
    redirect(ex, f"/redirect/loop/{(n + 1) % 2}")


def redirect_chain(ex: Exchange) -> None:
    n = int(ex.path.rsplit("/", 1)[-1] or 0)
    end = int(ex.arg("end", "1000000"))
    if n >= end:
        ex.send(200, article_page(f"end of chain {n}").encode())
    else:
        redirect(ex, f"/redirect/chain/{n + 1}?end={end}")


def redirect_to(ex: Exchange) -> None:
    redirect(ex, ex.arg("url"), int(ex.arg("code", "302")))


def refresh_loop(ex: Exchange) -> None:
    n = int(ex.path.rsplit("/", 1)[-1] or 0)
    body = (
        f'<html><head><meta http-equiv="refresh" content="0;url=/refresh/loop/{n + 1}">'
        f"</head><body>refresh {n}</body></html>"
    )
    ex.send(200, body.encode())


def calendar(ex: Exchange) -> None:
    """``/trap/calendar/<year>``: a year page linking to the years before and after."""
    year = int(ex.path.rstrip("/").rsplit("/", 1)[-1])
    links = [f"/trap/calendar/{year - 1}", f"/trap/calendar/{year + 1}"]
    ex.send(200, article_page(f"events {year}", links).encode())


def sort_permutations(ex: Exchange) -> None:
    sorts, orders, filters = ("date", "title", "author"), ("asc", "desc"), "abcdefgh"
    links = [
        f"/trap/sort?sort={s}&order={o}&filter={f}&page={ex.arg('page', '1')}"
        for s, o, f in itertools.product(sorts, orders, filters)
    ]
    links.append(f"/trap/sort?page={int(ex.arg('page', '1')) + 1}")
    ex.send(200, article_page("listing", links).encode())


def repeat_segments(ex: Exchange) -> None:
    ex.send(200, article_page("repeat", [ex.path.rstrip("/") + "/news/"]).encode())


def long_url(ex: Exchange) -> None:
    ex.send(200, article_page("long", [ex.path + "x" * len(ex.path)]).encode())


def session_ids(ex: Exchange) -> None:
    """Three article links, each with a new session id in a different style per visit."""
    sid = uuid.uuid4().hex
    links = [
        f"/trap/session/article-1;jsessionid={sid.upper()}",
        f"/trap/session/article-2?PHPSESSID={sid}",
        f"/trap/session/article-3?sid={sid}&ref=home",
        "/trap/session/",
    ]
    ex.send(200, article_page(f"session {ex.path}", links).encode())


def delayed(ex: Exchange) -> None:
    """``/delayed?secs=S&link=U...``: an article page, after S seconds, linking to each U."""
    ex.server.stopping.wait(float(ex.arg("secs", "1")))
    ex.send(200, article_page("delayed", ex.hit.query.get("link", [])).encode())


def robots_route(kind: str, body: str = "", fails: int = 2) -> Route:
    """A robots.txt route: ``200`` (with ``body``), ``404``, ``503``, ``timeout``,
    ``flaky`` (503 for the first ``fails`` hits, then ``body``) or ``huge`` (``body``, then
    padding rules up to 10 MB, announced with its Content-Length)."""

    def robots(ex: Exchange) -> None:
        if kind == "timeout":
            ex.wait_closed()
        elif kind == "huge":
            data = ("User-agent: *\n" + body).encode()
            line = b"Disallow: /padding/0123456789/\n"
            data += line * ((10 * 1024 * 1024 - len(data)) // len(line))
            ex.send(200, data, content_type="text/plain")
        elif kind in ("404", "503") or (kind == "flaky" and ex.server.count("robots") <= fails):
            ex.send(404 if kind == "404" else 503, b"no robots", content_type="text/plain")
        else:
            ex.send(200, body.encode(), content_type="text/plain")

    return robots


def default_routes(bombs: dict[str, bytes]) -> dict[str, Route]:
    """Every route above, keyed by its path prefix."""
    return {
        "/ok/": ok,
        "/slowloris": slowloris,
        "/slow-headers": slow_headers,
        "/hang-after-headers": hang_after_headers,
        "/hang-before-response": hang_before_response,
        "/endless": endless,
        "/huge-length": huge_length,
        "/bomb/": bomb_route(bombs),
        "/gzip-as-html": gzip_as_html_route(bombs),
        "/reset-mid-body": reset_mid_body,
        "/short-length": short_length,
        "/broken-chunked": broken_chunked,
        "/status/": status,
        "/redirect/loop/": redirect_loop,
        "/redirect/chain/": redirect_chain,
        "/redirect/to": redirect_to,
        "/refresh/loop/": refresh_loop,
        "/trap/calendar": calendar,
        "/trap/sort": sort_permutations,
        "/trap/repeat": repeat_segments,
        "/trap/long": long_url,
        "/trap/session": session_ids,
        "/delayed": delayed,
        "/robots.txt": robots_route("404"),
    }
