"""``crawler crawl`` exit status, errors, progress and page limit, through the real command."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.crawl import summarize
from crawler.siteserver import SiteServer
from tests.e2e.helpers import FAST, run_cli

HARBOUR = Path(__file__).resolve().parents[1] / "spiders" / "sites"


@pytest.fixture(scope="module")
def harbour() -> Iterator[SiteServer]:
    with SiteServer(HARBOUR) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_completed_crawl_exits_zero_with_a_summary(harbour: SiteServer, tmp_path: Path) -> None:
    base = harbour.base_url("harbour")
    db = f"sqlite:///{tmp_path / 'news.db'}"
    done = run_cli("crawl", f"{base}/", "--feed", f"{base}/feed.xml", "--db", db, *FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    header, site, feed, total = done.stdout.splitlines()[:4]
    assert header.split()[:5] == ["crawl", "pages", "stored", "updated", "duplicate"]
    assert site.split()[0] == "site" and feed.split()[0] == "feed" and total.split()[0] == "total"
    assert int(total.split()[2]) == 5  # five articles stored between the two spiders


def test_page_limit_and_progress_lines(harbour: SiteServer, tmp_path: Path) -> None:
    base = harbour.base_url("harbour")
    harbour.clear_log()
    done = run_cli(
        "crawl", f"{base}/", "--max-pages", "3", "--db", f"sqlite:///{tmp_path / 'n.db'}",
        *FAST, "-s", "CRAWLER_PROGRESS_INTERVAL=0.05", "-s", "DOWNLOAD_DELAY=0.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    pages = [r.path for r in harbour.request_log() if r.path != "/robots.txt"]
    assert len(pages) == 3
    assert "[site] " in done.stderr and "pages (" in done.stderr and "/s)" in done.stderr


def test_quiet_prints_nothing_when_all_went_well(harbour: SiteServer, tmp_path: Path) -> None:
    base = harbour.base_url("harbour")
    done = run_cli(
        "crawl", "--feed", f"{base}/feed.xml", "--quiet", "--db", f"sqlite:///{tmp_path / 'q.db'}",
        *FAST, "-s", "CRAWLER_PROGRESS_INTERVAL=0.05",
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_nothing_fetched_exits_one_and_says_why(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    done = run_cli(
        "crawl", url, "--db", f"sqlite:///{tmp_path / 'n.db'}", *FAST, "-s", "RETRY_TIMES=0"
    )
    assert done.returncode == 1
    assert "site: nothing could be fetched" in done.stdout


def test_unreachable_database_fails_before_any_fetch(
    harbour: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    harbour.clear_log()
    db = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/news"
    assert main(["crawl", harbour.base_url("harbour") + "/", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crawler: error: ") and err.count("\n") == 1
    assert harbour.request_log() == []


@pytest.mark.parametrize(
    "args",
    [
        ["ftp://harbour.example/"],
        ["https://harbour.example/", "--db", "not a database url"],
        ["https://harbour.example/", "--since", "last tuesday"],
        ["https://harbour.example/", "--timezone", "Mars/Olympus"],
        ["https://harbour.example/", "--urls-file", "/nonexistent/urls.txt"],
        [],
    ],
)
def test_bad_arguments_are_one_line_errors(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """These fail before any crawl starts, so they run in this process."""
    db = [] if "--db" in args else ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    assert main(["crawl", *args, *db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crawler: error: ") and err.count("\n") == 1


def test_summary_exit_status_rules() -> None:
    start, finish = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 1, 0, 1, tzinfo=UTC)
    base = {"start_time": start, "finish_time": finish, "finish_reason": "finished"}
    ok = summarize({**base, "news/pages/fetched": 9, "news/store/stored": 4}, "site", None, 0)
    assert (ok.exit_status, ok.problem, ok.duration, ok.counts.stored) == (0, None, 60.0, 4)
    lost = summarize({**base, "news/pages/fetched": 9, "news/store/lost": 2}, "feed", "x", 0)
    assert lost.exit_status == 1 and lost.problem == "2 article(s) could not be stored"
    empty = summarize({**base, "news/fetch/failed": 1}, "site", None, 0)
    assert empty.exit_status == 1 and empty.problem == "nothing could be fetched"
    known = summarize({**base, "drop/already_stored": 3}, "urls", None, 0)
    assert known.exit_status == 0  # everything asked for was already stored
    queued = {**base, "scheduler/enqueued/redis": 1}
    drained = summarize(queued, "site", None, 0)
    assert drained.exit_status == 0  # its seed went to the shared frontier, others took all
    took = summarize({**queued, "news/redis/taken": 1, "news/fetch/failed": 1}, "s", None, 0)
    assert took.problem == "nothing could be fetched"  # it fetched its share, and failed
    down = summarize(
        {**base, "finish_reason": "db_unavailable", "news/pages/fetched": 2}, "s", None, 0
    )
    assert down.exit_status == 1 and "db_unavailable" in (down.problem or "")
    stopped = summarize(
        {**base, "finish_reason": "shutdown", "news/pages/fetched": 2}, "s", None, 0
    )
    assert stopped.exit_status == 0  # Ctrl-C once: a clean stop
