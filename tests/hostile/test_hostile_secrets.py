"""Secrets: planted passwords appear in no log line, traceback, stats dump or export."""

from __future__ import annotations

import base64
import json
import logging
import sys

from crawler.net.redaction import redact_record, redact_text, secret_values

SECRETS = {
    "FTP_PASSWORD": "ftp-Secret-4711",
    "TELNETCONSOLE_PASSWORD": "telnet-Secret-4712",
    "AWS_SECRET_ACCESS_KEY": "aws-Secret-4713",
    "CRAWLER_DB_URL": "postgresql+psycopg://root:db-Secret-4714@127.0.0.1:5432/test",
    "CRAWLER_REDIS_URL": "redis://:redis-Secret-4715@127.0.0.1:6379/0",
}
PROXY_USER, PROXY_PASSWORD = "crawler", "proxy-Secret-4716"
PLANTED = [f"Secret-471{i}" for i in range(1, 7)]


def test_secret_values_come_from_names_and_urls():
    found = secret_values({**SECRETS, "USER_AGENT": "news-crawler/0.1", "DOWNLOAD_TIMEOUT": 20})
    assert {"ftp-Secret-4711", "telnet-Secret-4712", "db-Secret-4714"} <= found
    assert base64.b64encode(b"root:db-Secret-4714").decode() in found
    assert "news-crawler/0.1" not in found


def test_records_are_masked_in_message_args_and_traceback():
    try:
        raise RuntimeError("connect to redis://:unknown-pass@10.0.0.1:6379 failed")
    except RuntimeError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "pw=%s", ("ftp-Secret-4711",), sys.exc_info()
        )
    redact_record(record, {"ftp-Secret-4711"})
    text = logging.Formatter().format(record)
    assert "ftp-Secret-4711" not in text and "unknown-pass" not in text
    assert "pw=***" in text and "redis://:***@10.0.0.1" in text and "RuntimeError" in text
    assert (
        redact_text("{'Proxy-Authorization': [b'Basic Y3I6cHc=']}")
        == "{'Proxy-Authorization': [b'Basic ***']}"
    )


def test_a_crawl_through_a_proxy_leaks_no_planted_secret(hostile, run_crawl):
    proxy = f"http://{PROXY_USER}:{PROXY_PASSWORD}@{hostile.netloc}"
    hostile.page("/leak", "<html><body>a page whose callback fails</body></html>")
    run = run_crawl(
        ["http://news.example/ok/1", "http://news.example/leak"],
        settings={**SECRETS, "LOG_LEVEL": "DEBUG"},
        env={"http_proxy": proxy, "HTTP_PROXY": proxy},
        args={"leak": "CRAWLER_DB_URL"},
        follow=False,
    )
    # The secrets were live: the proxy got its credentials, the settings were logged and
    # the exception carrying the database URL was raised and logged.
    credentials = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    proxied = [hit for hit in hostile.hits if hit.proxied]
    assert proxied and all(
        h.headers.get("proxy-authorization") == f"Basic {credentials}" for h in proxied
    )
    assert "http://news.example/ok/1" in run.fetched()
    assert "Overridden settings" in run.log and "'FTP_PASSWORD': '***'" in run.log
    assert "cannot store into postgresql+psycopg://root:***@127.0.0.1" in run.log
    assert "Traceback" in run.log
    outputs = {"log": run.log, "stats": json.dumps(run.stats), "items": json.dumps(run.items)}
    for name, text in outputs.items():
        for secret in [*PLANTED, credentials]:
            assert secret not in text, (name, secret)


def test_only_records_some_handler_admits_are_rendered():
    from crawler.net.redaction import reaches_a_handler

    parent, child = logging.getLogger("redaction-test"), logging.getLogger("redaction-test.c")
    handler = logging.NullHandler(logging.INFO)
    parent.addHandler(handler)
    parent.propagate = False
    try:
        made = [child.makeRecord(child.name, lvl, __file__, 1, "m", (), None) for lvl in (10, 20)]
        assert [reaches_a_handler(r) for r in made] == [False, True]
        child.addHandler(debug := logging.NullHandler(logging.DEBUG))
        assert reaches_a_handler(made[0])
        child.removeHandler(debug)
        parent.removeHandler(handler)  # no handler at all: the last-resort one (WARNING)
        assert not reaches_a_handler(made[1])
    finally:
        parent.removeHandler(handler)
        parent.propagate = True
