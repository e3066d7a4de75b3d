"""Requests that end without a download: given up at a stop (never sent: no host failure,
their own drop, marked), or met by a database fault (fetched again: no drop)."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler
from sqlalchemy.exc import OperationalError
from twisted.internet.error import TimeoutError as TxTimeoutError

from crawler.middlewares.breaker import CircuitBreakerMiddleware
from crawler.middlewares.drops import DropLogMiddleware, drop_reason
from crawler.net.downloader import GIVEN_UP_META, STOPPED, StoppedBeforeDownload, given_up
from crawler.net.policy import Dropped


def test_requests_given_up_at_a_stop_are_no_failures_of_their_host() -> None:
    crawler = get_crawler(settings_dict={"CRAWLER_BREAKER_FAILURES": 2})
    breaker = CircuitBreakerMiddleware.from_crawler(crawler)
    for n in range(10):
        breaker.process_exception(Request(f"http://a.test/{n}"), StoppedBeforeDownload())
    breaker.process_exception(Request("http://a.test/late"), TxTimeoutError())
    breaker.process_request(Request("http://a.test/next"))  # one failure: still closed
    assert crawler.stats.get_value("news/breaker/opened") is None


def test_a_page_that_waited_for_a_robots_txt_given_up_is_given_up_too() -> None:
    # robots.txt refuses its host's pages with the reason its own request ended with
    assert given_up(StoppedBeforeDownload())
    assert given_up(Dropped(STOPPED, "robots.txt of a.test"))
    assert not given_up(Dropped("circuit_open", "5 failures in a row"))
    assert not given_up(TxTimeoutError())


def test_a_given_up_request_is_dropped_as_stopped_and_marked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = get_crawler()
    drops = DropLogMiddleware.from_crawler(crawler)
    given, failed = Request("http://a.test/1"), Request("http://a.test/2")
    with caplog.at_level(logging.INFO, logger="crawler.middlewares.drops"):
        drops.process_exception(given, StoppedBeforeDownload())
        drops.process_exception(failed, TxTimeoutError())
    assert drop_reason(StoppedBeforeDownload()) == STOPPED
    assert crawler.stats.get_value("drop/stopped") == 1
    assert "Dropped http://a.test/1: stopped" in caplog.text
    assert given.meta.get(GIVEN_UP_META) is True and GIVEN_UP_META not in failed.meta


def test_a_database_fault_is_not_logged_as_a_drop(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler()
    drops = DropLogMiddleware.from_crawler(crawler)
    fault = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    with caplog.at_level(logging.INFO, logger="crawler.middlewares.drops"):
        drops.process_exception(Request("http://a.test/1"), fault)
        drops.process_exception(Request("http://a.test/2"), TxTimeoutError())
    assert "a.test/1" not in caplog.text and "Dropped http://a.test/2: timeout" in caplog.text
    assert crawler.stats.get_value("drop/download_error") is None
