"""SIGTERM, two crawls of one scope or one JOBDIR, and JOBDIRs deleted or made by another Scrapy."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import scrapy

from crawler.crawllock import CrawlLocked, jobdir_lock, scope_lock
from crawler.jobdir import MARKER, prepare_jobdir
from crawler.siteserver import SiteServer
from tests.faults.conftest import base_url
from tests.faults.helpers import (
    article_requests,
    crawl_args,
    frontier_states,
    page_requests,
    query,
    start_crawl,
    stored_paths,
    wait_until,
)

ARTICLES = 200
SLOW = ("-s", "DOWNLOAD_DELAY=0.2")


@pytest.mark.parametrize(("delay", "served"), [(0.0, 60), (2.0, 5)], ids=["no_delay", "delay_2s"])
def test_sigterm_stops_within_the_download_timeout_and_a_restart_fetches_the_rest(
    small_site: SiteServer, tmp_path: Path, delay: float, served: int
) -> None:
    """With a download delay, the requests still queued in the host's slot at the stop are
    given up (they would go out one delay apart) and fetched by the restart."""
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    timeout = ("-s", "DOWNLOAD_TIMEOUT=5")
    paced = ("-s", f"DOWNLOAD_DELAY={delay}")
    url = f"{base_url(small_site)}/"
    crawl = start_crawl(crawl_args(url, db_url, *timeout, *paced), tmp_path / "out")
    wait_until(
        lambda: article_requests(small_site.request_log()) >= served, 120, f"{served} articles"
    )
    crawl.signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert crawl.wait(timeout=5 + 10) == 0, crawl.text()[-2000:]
    print(f"SIGTERM to exit: {time.monotonic() - stopped:.1f} s")
    stored_before = set(stored_paths(db_url))
    done = query(db_url, "SELECT url FROM frontier WHERE state = 'done'")
    done_before = {urlsplit(str(url)).path for (url,) in done}
    assert stored_before and frontier_states(db_url).get("pending")
    small_site.clear_log()
    rerun = start_crawl(crawl_args(url, db_url, *timeout), tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    stored = stored_paths(db_url)
    assert len(stored) == len(set(stored)) == ARTICLES
    fetched_again = set(page_requests(small_site, "news")) & (stored_before | done_before)
    assert not fetched_again  # nothing stored or done before the stop is requested again


@pytest.mark.parametrize("shared", ["database", "jobdir"])
def test_a_second_crawl_on_the_same_scope_or_jobdir_refuses_naming_the_holder(
    small_site: SiteServer, tmp_path: Path, shared: str
) -> None:
    url = f"{base_url(small_site)}/"
    jobdir = ("--jobdir", str(tmp_path / "jobs"))
    first_db = f"sqlite:///{tmp_path / 'news.db'}"
    second_db = first_db if shared == "database" else f"sqlite:///{tmp_path / 'other.db'}"
    first = start_crawl(crawl_args(url, first_db, *jobdir, *SLOW), tmp_path / "first.out")
    try:
        wait_until(lambda: article_requests(small_site.request_log()) >= 3, 120, "a running crawl")
        started = time.monotonic()
        second = subprocess.run(
            crawl_args(url, second_db, *jobdir, "--quiet"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        elapsed = time.monotonic() - started
    finally:
        first.kill()
    print(f"second crawl refused after {elapsed:.2f} s (interpreter and imports included)")
    assert second.returncode == 2, second.stderr
    assert "in use by another crawl" in second.stderr
    assert f"pid {first.process.pid} on host {socket.gethostname()}" in second.stderr
    assert "Traceback" not in second.stderr
    assert query(first_db, "PRAGMA integrity_check") == [("ok",)]


def test_locks_are_per_scope_and_free_again_when_released(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    held = scope_lock(db_url, "a:site")
    assert held is not None
    held.acquire()
    other_scope = scope_lock(db_url, "b:site")
    assert other_scope is not None
    other_scope.acquire()  # another scope of the same database crawls at the same time
    same = scope_lock(db_url, "a:site")
    assert same is not None
    with pytest.raises(CrawlLocked, match=f"pid {__import__('os').getpid()} on host"):
        same.acquire()
    held.release()
    same.acquire()
    for lock in (same, other_scope):
        lock.release()
    jobdir = jobdir_lock(str(tmp_path / "deep" / "jobdir"))
    jobdir.acquire()
    with pytest.raises(CrawlLocked, match="JOBDIR"):
        jobdir_lock(str(tmp_path / "deep" / "jobdir")).acquire()
    jobdir.release()


def test_a_jobdir_of_another_scrapy_is_started_afresh(tmp_path: Path) -> None:
    jobdir = tmp_path / "jobs"
    (jobdir / "requests.queue").mkdir(parents=True)
    (jobdir / "requests.queue" / "active.json").write_text("not json")
    (jobdir / "spider.state").write_bytes(b"\x80\x04garbage")
    (jobdir / MARKER).write_text(json.dumps({"scrapy": "2.11.0"}))
    removed = prepare_jobdir(jobdir, queue_in_database=False)
    assert sorted(removed) == ["requests.queue", "spider.state"]
    assert json.loads((jobdir / MARKER).read_text()) == {"scrapy": scrapy.__version__}
    (jobdir / "spider.state").write_bytes(b"state")
    (jobdir / "requests.seen").write_text("abc\n")
    assert prepare_jobdir(jobdir, queue_in_database=True) == ["requests.seen"]
    assert (jobdir / "spider.state").read_bytes() == b"state"  # ours: kept


@pytest.mark.parametrize("damage", ["deleted", "foreign"])
def test_a_killed_crawl_whose_jobdir_was_deleted_or_foreign_resumes_from_the_database(
    small_site: SiteServer, tmp_path: Path, damage: str
) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    jobdir = tmp_path / "jobs"
    args = crawl_args(f"{base_url(small_site)}/", db_url, "--jobdir", str(jobdir))
    crawl = start_crawl(args, tmp_path / "out")
    wait_until(lambda: article_requests(small_site.request_log()) >= 80, 120, "80 articles")
    crawl.kill()
    site_jobdir = jobdir / "site"
    if damage == "deleted":
        subprocess.run(["rm", "-rf", str(jobdir)], check=True)
    else:
        (site_jobdir / MARKER).write_text(json.dumps({"scrapy": "2.11.0"}))
        (site_jobdir / "requests.queue").mkdir(exist_ok=True)
        (site_jobdir / "requests.queue" / "active.json").write_text("[[0, 1]]")
    rerun = start_crawl([*args, "--log-file", str(tmp_path / "rerun.log")], tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    stored = stored_paths(db_url)
    assert len(stored) == len(set(stored)) == ARTICLES
    if damage == "foreign":
        assert "was made by Scrapy 2.11.0" in (tmp_path / "rerun.log").read_text()
