"""When a taken request may be forgotten: done by Scrapy, and its articles in the database."""

from __future__ import annotations

from collections.abc import Iterable

from scrapy import Request

from crawler.distributed.taken import TakenRequests
from crawler.net.downloader import GIVEN_UP_META


class Database:
    """Stored URLs, and how often they were looked up."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.lookups: list[set[str]] = []

    def stored(self, urls: Iterable[str]) -> set[str]:
        wanted = set(urls)
        self.lookups.append(wanted)
        return wanted & self.urls


def test_a_request_in_progress_is_kept_and_a_finished_one_without_articles_forgotten() -> None:
    taken, db = TakenRequests(), Database()
    listing, article = Request("http://a/list"), Request("http://a/story")
    taken.add(listing, b"listing")
    taken.add(article, b"story")
    settled = taken.settle({article}, db.stored)
    assert (settled.forget, settled.unsaved) == ([b"listing"], [])
    assert len(taken) == 1 and db.lookups == []


def test_a_finished_request_waits_until_its_article_is_stored() -> None:
    taken, db = TakenRequests(), Database()
    article = Request("http://a/story")
    taken.add(article, b"story")
    assert taken.expect_article(article, "http://a/story")
    first = taken.settle(set(), db.stored)
    assert (first.forget, first.unsaved) == ([], [b"story"])
    second = taken.settle(set(), db.stored)
    assert (second.forget, second.unsaved) == ([], [])  # reported as unsaved once
    db.urls.add("http://a/story")
    third = taken.settle(set(), db.stored)
    assert (third.forget, third.unsaved) == ([b"story"], [])
    assert len(taken) == 0
    assert db.lookups == [{"http://a/story"}] * 3


def test_articles_of_requests_still_in_progress_are_not_looked_up() -> None:
    taken, db = TakenRequests(), Database()
    busy, done = Request("http://a/1"), Request("http://a/2")
    for request in (busy, done):
        taken.add(request, request.url.encode())
        taken.expect_article(request, request.url)
    db.urls = {"http://a/1", "http://a/2"}
    settled = taken.settle({busy}, db.stored)
    assert settled.forget == [b"http://a/2"]
    assert db.lookups == [{"http://a/2"}]


def test_an_article_from_a_request_not_taken_here_is_reported() -> None:
    taken = TakenRequests()
    taken.add(Request("http://a/1"), b"1")
    assert not taken.expect_article(Request("http://a/1"), "http://a/1")  # another object
    assert not taken.expect_article(None, "http://a/1")


def test_a_request_given_up_at_a_stop_is_never_settled_so_leave_gives_it_back() -> None:
    taken, db = TakenRequests(), Database()
    sent, given_up = Request("http://a/1"), Request("http://a/2")
    for request in (sent, given_up):
        taken.add(request, request.url.encode())
    given_up.meta[GIVEN_UP_META] = True
    settled = taken.settle(set(), db.stored)
    assert (settled.forget, settled.unsaved) == ([b"http://a/1"], [])
    assert len(taken) == 1  # still taken: the worker's `leave` puts it back in the queue
