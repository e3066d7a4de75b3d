"""SQLite file-system faults during real crawls: a full disk (a small tmpfs) and a read-only file.

The database lives on a tmpfs mounted in the test's folder (root only; skipped otherwise).
A full disk is produced mid-crawl by the mount's size; a read-only database between crawls
(``mount -o remount,ro`` or ``chattr +i``): the kernel refuses a read-only remount while a
crawl holds the file open for writing (EBUSY), and an immutable flag does not affect
descriptors already open, so neither can strike a running crawl. The disk full for a while
and the read-only remount are ``slow`` (make test keeps the full disk and ``chattr +i``).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.siteserver import SiteServer
from tests.faults import helpers as fault
from tests.faults.conftest import base_url
from tests.faults.newsite import SITE

ARTICLES = 200
#: Room for the schema and a few batches of the 200-article site (about 1.3 MB in all).
SMALL = "800k"
ROOMY = "16m"
#: Give up on a full disk within about a second.
IMPATIENT = ("-s", "CRAWLER_DB_RETRIES=3", "-s", "CRAWLER_DB_RETRY_BACKOFF=0.1")
DISK_FULL = "database or disk is full"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of ``SMALL`` bytes mounted at ``tmp_path/db``, unmounted afterwards."""
    mount = tmp_path / "db"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(mount))
    if mounted.returncode:
        pytest.skip(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        _run("chattr", "-R", "-i", str(mount))
        if _run("umount", str(mount)).returncode:
            _run("umount", "-l", str(mount))


def remount(mount: Path, options: str) -> None:
    done = _run("mount", "-o", f"remount,{options}", str(mount))
    assert done.returncode == 0, done.stderr


def assert_complete(db_url: str) -> None:
    """Every article stored once, the frontier drained, the file sound."""
    stored = fault.stored_paths(db_url)
    assert len(stored) == len(set(stored)) == ARTICLES
    assert fault.frontier_states(db_url).keys() <= {"done", "failed"}
    assert fault.done_without_row(db_url) == []
    assert fault.query(db_url, "PRAGMA integrity_check") == [("ok",)]


def test_a_disk_that_stays_full_closes_the_crawl_and_a_rerun_with_room_completes_it(
    small_site: SiteServer, tmp_path: Path, tmpfs: Path
) -> None:
    db_url = f"sqlite:///{tmpfs / 'news.db'}"
    args = fault.crawl_args(f"{base_url(small_site)}/", db_url, *IMPATIENT)
    crawl = fault.start_crawl(args, tmp_path / "out")
    assert crawl.wait(timeout=300) == 1, crawl.text()[-2000:]
    text = crawl.text()
    assert DISK_FULL in text and "retrying" in text and "db_unavailable" in text
    stored_before = fault.stored_paths(db_url)
    print(f"stored before the disk filled: {len(stored_before)} of {ARTICLES}")
    assert len(stored_before) == len(set(stored_before)) < ARTICLES
    assert fault.done_without_row(db_url) == []
    assert fault.query(db_url, "PRAGMA integrity_check") == [("ok",)]
    small_site.clear_log()
    still_full = fault.start_crawl(args, tmp_path / "still_full.out")
    assert still_full.wait(timeout=120) == 1, still_full.text()[-2000:]
    assert "db_unavailable" in still_full.text() and "Traceback" not in still_full.text()
    assert fault.page_requests(small_site, SITE) == {}
    assert sorted(fault.stored_paths(db_url)) == sorted(stored_before)
    remount(tmpfs, f"size={ROOMY}")
    rerun = fault.start_crawl(args, tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    assert_complete(db_url)


@pytest.mark.slow
def test_a_disk_full_for_a_while_is_retried_and_the_crawl_completes(
    small_site: SiteServer, tmp_path: Path, tmpfs: Path
) -> None:
    db_url = f"sqlite:///{tmpfs / 'news.db'}"
    patient = ("-s", "CRAWLER_DB_RETRIES=8", "-s", "CRAWLER_DB_RETRY_BACKOFF=0.2")  # ~50 s
    crawl = fault.start_crawl(
        fault.crawl_args(f"{base_url(small_site)}/", db_url, *patient), tmp_path / "out"
    )
    fault.wait_until(lambda: DISK_FULL in crawl.text(), 120, "a full disk")
    remount(tmpfs, f"size={ROOMY}")
    assert crawl.wait(timeout=300) == 0, crawl.text()[-2000:]
    assert "retrying" in crawl.text() and "db_unavailable" not in crawl.text()
    assert_complete(db_url)


@pytest.mark.parametrize("how", [pytest.param("remount-ro", marks=pytest.mark.slow), "immutable"])
def test_a_read_only_database_stops_the_crawl_before_any_request_and_changes_nothing(
    small_site: SiteServer, tmp_path: Path, tmpfs: Path, how: str
) -> None:
    remount(tmpfs, f"size={ROOMY}")
    db_url = f"sqlite:///{tmpfs / 'news.db'}"
    args = fault.crawl_args(f"{base_url(small_site)}/", db_url, *IMPATIENT)
    crawl = fault.start_crawl(args, tmp_path / "out")
    fault.wait_until(
        lambda: fault.article_requests(small_site.request_log()) >= 60, 120, "60 articles"
    )
    crawl.signal(signal.SIGTERM)
    assert crawl.wait(timeout=60) == 0, crawl.text()[-2000:]
    stored_before, states_before = sorted(fault.stored_paths(db_url)), fault.frontier_states(db_url)
    assert 0 < len(stored_before) < ARTICLES
    small_site.clear_log()
    if how == "remount-ro":
        remount(tmpfs, "ro")
    else:
        done = _run("chattr", "+i", str(tmpfs / "news.db"))
        assert done.returncode == 0, done.stderr
    refused = fault.start_crawl(args, tmp_path / "refused.out")
    status = refused.wait(timeout=120)
    text = refused.text()
    if how == "remount-ro":  # the command's check of the database refuses it: usage error
        assert status == 2 and "cannot use database" in text, text[-2000:]
    else:  # opened read-only: the first write fails, the spider closes before any request
        assert status == 1 and "readonly database" in text and "db_unavailable" in text, text
    assert fault.page_requests(small_site, SITE) == {}
    if how == "remount-ro":
        remount(tmpfs, "rw")
    else:
        assert _run("chattr", "-i", str(tmpfs / "news.db")).returncode == 0
    assert sorted(fault.stored_paths(db_url)) == stored_before
    assert fault.frontier_states(db_url) == states_before
    rerun = fault.start_crawl(args, tmp_path / "out")
    assert rerun.wait(timeout=300) == 0, rerun.text()[-2000:]
    assert_complete(db_url)
    assert not set(fault.page_requests(small_site, SITE)) & set(stored_before)
