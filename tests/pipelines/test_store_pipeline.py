"""The four pipelines in real Scrapy crawls (one process each) against real databases."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.storage import open_database
from tests.storage.builders import body_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


def crawl(
    tmp_path: Path, specs: list[dict[str, Any]], *args: str, **settings: Any
) -> dict[str, Any]:
    """Run the prepared-items crawl; returns its stats."""
    items, out = tmp_path / "items.jsonl", tmp_path / "stats.json"
    items.write_text("".join(json.dumps(spec) + "\n" for spec in specs))
    options = [f"-s{name}={value}" for name, value in settings.items()]
    result = subprocess.run(
        [sys.executable, "-m", "tests.pipelines.run_store_crawl", str(items), str(out)]
        + [*args, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stats: dict[str, Any] = json.loads(out.read_text())
    stats["log"] = result.stderr
    return stats


def runs(db_url: str) -> list[Any]:
    database = open_database(db_url)
    try:
        return database.recent_runs()
    finally:
        database.close()


def count_articles(db_url: str) -> int:
    database = open_database(db_url)
    try:
        with database.read() as conn:
            return int(conn.scalar(sa.text("SELECT count(*) FROM articles")) or 0)
    finally:
        database.close()


def test_a_crawl_stores_in_batches_and_on_the_timer_and_records_the_run(
    db_url: str, tmp_path: Path
) -> None:
    wire = body_text(100)
    specs = [{"url": f"https://news.example.com/{i}", "body": body_text(i)} for i in range(5)]
    specs += [
        {"url": "https://news.example.com/0", "body": body_text(0)},
        {"url": "https://paper.example.org/copy", "body": wire},
        {"url": "https://news.example.com/wire", "body": wire},
        {"url": "https://news.example.com/brief", "body": "Too short."},
    ]
    stats = crawl(
        tmp_path,
        specs,
        "--linger=2",
        CRAWLER_DB_URL=db_url,
        CRAWLER_DB_BATCH_SIZE=3,
        CRAWLER_DB_FLUSH_INTERVAL=0.3,
    )
    assert stats["finish_reason"] == "finished"
    assert stats["test/stored_before_close"] == 7
    assert (stats["news/store/stored"], stats["news/store/duplicate"]) == (6, 1)
    assert stats["dropped/duplicate_in_crawl"] == 1 and stats["dropped/short_body"] == 1
    assert "news/store/lost" not in stats
    assert count_articles(db_url) == 7
    (run,) = runs(db_url)
    assert (run.status, run.spider, run.stored, run.duplicate, run.dropped, run.failed) == (
        "completed",
        "prepared",
        6,
        1,
        2,
        0,
    )
    assert run.id == stats["news/store/run_id"] and run.stats["item_scraped_count"] == 7
    assert "Dropped (short_body): https://news.example.com/brief" in stats["log"]
    assert "Too short." not in stats["log"]


def test_a_recrawl_counts_unchanged_and_updated_articles(db_url: str, tmp_path: Path) -> None:
    first = [{"url": f"https://news.example.com/{i}", "body": body_text(i)} for i in range(3)]
    crawl(tmp_path, first, CRAWLER_DB_URL=db_url)
    second = [*first[:2], {"url": "https://news.example.com/2", "body": body_text(2) + " More."}]
    stats = crawl(tmp_path, second, CRAWLER_DB_URL=db_url)
    assert (stats["news/store/unchanged"], stats["news/store/updated"]) == (2, 1)
    assert "news/store/stored" not in stats
    assert [run.status for run in runs(db_url)] == ["completed", "completed"]


def test_items_that_cannot_be_stored_are_counted_and_fail_the_run(
    db_url: str, tmp_path: Path
) -> None:
    specs = [{"url": f"https://news.example.com/{i}", "body": body_text(i)} for i in range(4)]
    specs[2]["published_tz"] = "guessed"
    stats = crawl(tmp_path, specs, CRAWLER_DB_URL=db_url, CRAWLER_DB_RETRIES=1)
    assert stats["news/store/lost"] == 1 and stats["news/store/stored"] == 3
    assert "could not store https://news.example.com/2" in stats["log"]
    (run,) = runs(db_url)
    assert (run.status, run.failed) == ("failed", 1)


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server and the paths requested from it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/page", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "bad_url",
    ["postgresql://crawler:s3cret@127.0.0.1:1/news", "sqlite:////nonexistent-folder/news.db"],
)
def test_an_unusable_database_closes_the_crawl_before_any_request(
    bad_url: str, tmp_path: Path, counting_server: tuple[str, list[str]]
) -> None:
    url, requests = counting_server
    specs = [{"url": "https://news.example.com/1", "body": body_text(1)}]
    # The incremental and conditional-request middlewares open the database themselves when
    # they are built; they are off here so that this test sees the store pipeline alone.
    stats = crawl(
        tmp_path,
        specs,
        f"--request={url}",
        CRAWLER_DB_URL=bad_url,
        CRAWLER_REFRESH=True,
        CRAWLER_CONDITIONAL=False,
    )
    assert stats["finish_reason"] == "db_unavailable"
    assert requests == []
    assert "s3cret" not in stats["log"]
