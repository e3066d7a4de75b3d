"""``crawler db``, ``crawler export`` and ``crawler stats`` against real databases."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.storage import Database, open_database
from crawler.storage.migrate import head_revision
from tests.storage.builders import FakeClock, body_text, make_item


@pytest.fixture
def filled(database: Database, clock: FakeClock) -> Database:
    """Three articles on two sites, the last a duplicate of the first, seen a day apart."""
    body = body_text(1)
    database.store_batch([make_item("https://news.example.com/1", body, title="=HYPERLINK(1)")])
    clock.advance(days=1)
    database.store_batch(
        [
            make_item("https://news.example.com/2", body_text(2), authors=(), published_at=None),
            make_item("https://paper.example.org/1", body),
        ]
    )
    run = database.start_run("site", source="example")
    database.finish_run(run, "completed", {}, {"stored": 2})
    return database


def run_cli(*argv: str) -> int:
    return main(list(argv))


def test_export_jsonl_has_one_record_per_article(
    filled: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("export", "--db", db_url) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["url"] for r in records] == [
        "https://news.example.com/1",
        "https://news.example.com/2",
        "https://paper.example.org/1",
    ]
    assert records[2]["duplicate_of"] == "https://news.example.com/1"
    assert records[0]["duplicate_of"] is None
    assert set(records[0]) >= {"id", "first_seen", "last_seen", "title", "body", "authors"}
    assert records[0]["published_at"] == "2024-05-01T09:30:00+00:00"
    assert err.strip() == "exported 3 article(s)"


def test_export_since_keeps_articles_first_seen_from_that_date(
    filled: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("export", "--db", db_url, "--since", "2024-05-02") == 0
    urls = [json.loads(line)["url"] for line in capsys.readouterr().out.splitlines()]
    assert urls == ["https://news.example.com/2", "https://paper.example.org/1"]


def test_export_csv_to_a_file_neutralises_formulas(
    filled: Database, db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "articles.csv"
    assert run_cli("export", "--db", db_url, "--format", "csv", "--output", str(target)) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [row["title"] for row in rows][0] == "'=HYPERLINK(1)"
    assert json.loads(rows[0]["authors"]) == ["Jane Doe"]
    assert rows[2]["duplicate_of"] == "https://news.example.com/1"
    assert list(target.parent.iterdir()) == [target]


def table_rows(text: str) -> list[dict[str, str]]:
    header, *lines = text.splitlines()
    names = re.split(r"\s{2,}", header.strip())
    return [dict(zip(names, re.split(r"\s{2,}", line.strip()), strict=True)) for line in lines]


def test_stats_shows_each_site_with_coverage_and_the_last_run(
    filled: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("stats", "--db", db_url, "--recent-days", "100000") == 0
    example, other = table_rows(capsys.readouterr().out)
    assert (example["SITE"], example["ARTICLES"], example["AUTHORS"], example["DATES"]) == (
        "example.com",
        "2",
        "50%",
        "50%",
    )
    assert (example["RECENT"], example["DUPS"], example["OUTCOME"]) == (
        "2",
        "0",
        "completed (2 new)",
    )
    assert example["LAST SEEN"] == "2024-05-02 12:00Z"
    assert (other["SITE"], other["ARTICLES"], other["DUPS"]) == ("example.org", "1", "1")


def test_db_upgrade_and_current(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("db", "upgrade", "0001", "--db", sqlite_url) == 0
    assert run_cli("db", "current", "--db", sqlite_url) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("schema revision 0001")
    assert run_cli("export", "--db", sqlite_url) == 2
    assert "crawler db upgrade" in capsys.readouterr().err
    assert run_cli("db", "upgrade", "--db", sqlite_url) == 0
    assert capsys.readouterr().out.strip().endswith(f"schema revision {head_revision()}")
    assert run_cli("db", "downgrade", "nonsense", "--db", sqlite_url) == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://reader:s3cret@127.0.0.1:1/news", "cannot use database"),
        ("not a url", "malformed database URL"),
        ("mysql://reader:s3cret@127.0.0.1/news", "unsupported database 'mysql'"),
        ("sqlite:////nonexistent-folder/news.db", "unable to open database file"),
    ],
)
def test_bad_database_urls_end_with_one_line(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("db", "upgrade", "--db", url) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err
    assert "s3cret" not in err


def test_the_console_command_reports_an_unreachable_database_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "stats", "--db", "postgresql://u:pw@127.0.0.1:1/x"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_read_only_commands_do_not_create_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert run_cli("stats", "--db", url) == 2
    assert not (tmp_path / "missing.db").exists()
    open_database(url).close()
    assert run_cli("stats", "--db", url) == 0
