"""The scheduling commands that do not crawl: sources check/list, run-due --dry-run, runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.leases import acquire_lease
from crawler.schedule import system_clock
from crawler.storage import open_database
from tests.scheduling.helpers import write_sources

TTL = timedelta(minutes=2)


def sources_file(tmp_path: Path) -> Path:
    return write_sources(
        tmp_path / "sources.toml",
        {"name": "often", "start_urls": ["https://a.example/"], "schedule": "15m"},
        {"name": "daily", "feeds": ["https://b.example/feed"], "schedule": "0 6 * * *"},
        {
            "name": "off",
            "sitemaps": ["https://c.example/s.xml"],
            "schedule": "1h",
            "enabled": False,
        },
    )


def test_sources_check_summarises_a_good_file(tmp_path: Path, capsys) -> None:
    assert main(["sources", "check", str(sources_file(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "often: schedule '15m', 1 start URL(s)"
    assert out[2] == "off: schedule '1h', 1 start URL(s) (disabled)"
    assert out[-1].endswith("3 source(s), 2 enabled")


def test_sources_check_prints_every_problem_and_exits_1(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "x"\nschedule = "soon"\nstart_urls = ["ftp://x"]\n', "utf-8")
    assert main(["sources", "check", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{bad}: source 'x': field 'schedule': 'soon' is neither an interval (like 15m, 6h, 1d) "
        "nor a cron expression",
        f"{bad}: source 'x': field 'start_urls': 'ftp://x' is not an absolute http(s) URL",
        f"2 problem(s) in {bad}",
    ]


def test_commands_without_a_sources_file_say_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr("crawler.settings.CRAWLER_SOURCES_FILE", "")
    assert main(["run-due"]) == 2
    assert capsys.readouterr().err == (
        "crawler: error: no sources file: pass --sources FILE or set CRAWLER_SOURCES\n"
    )


def test_dry_run_and_list_show_what_is_due(tmp_path: Path, sqlite_url: str, capsys) -> None:
    sources = str(sources_file(tmp_path))
    database = open_database(sqlite_url)
    try:
        database.finish_run(database.start_run("site", "often"), "completed")
    finally:
        database.close()
    assert main(["run-due", "--sources", sources, "--db", sqlite_url, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("often: not due until ")
    assert lines[1] == "daily: due (never run)"
    assert len(lines) == 2  # disabled sources are not run-due's business
    assert main(["sources", "list", "--sources", sources, "--db", sqlite_url]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["SOURCE", "SCHEDULE", "LAST", "START", "STATUS", "NEXT", "DUE"]
    often = table[1].split()  # name, schedule, start date and time, status, due date and time
    assert (often[0], often[1], often[4]) == ("often", "15m", "completed")
    assert table[2].split()[-4:] == ["-", "never", "run", "now"]
    assert table[3].split()[-1] == "disabled"


def test_runs_lists_runs_newest_first_and_live_leases(sqlite_url: str, capsys) -> None:
    database = open_database(sqlite_url)
    try:
        first = database.start_run("site", "often")
        database.finish_run(first, "completed", counts={"stored": 7, "duplicate": 1})
        database.start_run("feed", "daily")
        acquire_lease(database.engine, "daily", "host:42:abc", TTL, system_clock())
    finally:
        database.close()
    assert main(["runs", "--db", sqlite_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:6] == ["ID", "SOURCE", "SPIDER", "STARTED", "SECONDS", "STATUS"]
    newest, oldest = lines[1].split(), lines[2].split()
    # id, source, spider, start date and time, seconds, status, stored, updated, duplicate, ...
    assert (newest[1], newest[2], newest[5], newest[6]) == ("daily", "feed", "-", "running")
    assert (oldest[1], oldest[6], oldest[7], oldest[9]) == ("often", "completed", "7", "1")
    assert lines[3].startswith("running: daily by host:42:abc since ")
    assert main(["runs", "--db", sqlite_url, "--source", "often", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_runs_on_a_missing_database_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["runs", "--db", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "no database at" in capsys.readouterr().err
