"""Three writer processes on one SQLite file, storing overlapping article sets at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.storage import open_database
from crawler.storage.engine import make_engine
from tests.storage.writer_process import article

ARTICLES = 300
#: Each writer's index ranges: every article is written by exactly two of them.
RANGES = (("0:200",), ("100:300",), ("0:100", "200:300"))


def start_writers(db_url: str, go: Path, busy_timeout: float) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.storage.writer_process",
                db_url,
                str(go),
                str(busy_timeout),
                str(seed),
                *ranges,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for seed, ranges in enumerate(RANGES)
    ]


@pytest.mark.parametrize("busy_timeout", [30.0, 0.0], ids=["waiting", "locked-and-retried"])
def test_three_writer_processes_lose_nothing_and_store_nothing_twice(
    sqlite_url: str, tmp_path: Path, busy_timeout: float
) -> None:
    open_database(sqlite_url).close()  # the schema first: migrating is not what is tested
    go = tmp_path / "go"
    writers = start_writers(sqlite_url, go, busy_timeout)
    go.touch()  # the writers wait for this after their imports: they all write at once
    outputs = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    print(f"busy timeout {busy_timeout} s: {reports}")
    assert sum(r["lost"] for r in reports) == 0
    assert sum(r["stored"] for r in reports) == ARTICLES
    assert sum(r["unchanged"] for r in reports) == ARTICLES  # every second write: a no-op
    assert sum(r["other"] for r in reports) == 0
    if busy_timeout == 0:  # no waiting: the writers met, were refused and retried
        assert sum(r["retries"] for r in reports) > 0
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT url, body FROM articles")).all()
            variants = conn.scalar(sa.text("SELECT count(*) FROM article_urls"))
            integrity = conn.scalar(sa.text("PRAGMA integrity_check"))
    finally:
        engine.dispose()
    expected = {article(i).article.url: article(i).article.body for i in range(ARTICLES)}
    assert len(rows) == ARTICLES and dict(rows) == expected
    assert variants == ARTICLES
    assert integrity == "ok"
