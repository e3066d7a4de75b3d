"""The ``crawler`` command loads only what the command run needs: ``--help`` loads no
sub-command, and a crawl another crawl holds is refused before Scrapy or Twisted load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.crawllock import FileLock, jobdir_lock, scope_lock
from crawler.frontier import frontier_scope

REPO = Path(__file__).resolve().parents[1]
URL = "http://127.0.0.1:9/news/"

#: Runs ``crawler`` with the given arguments, then prints its exit status and which of the
#: heavy packages the process imported.
RUN_CLI = """
import json, sys
from crawler.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
heavy = ("scrapy", "twisted", "sqlalchemy", "alembic", "redis", "trafilatura")
print(json.dumps({"status": status, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def run_cli(*args: str) -> tuple[dict[str, Any], str]:
    """(exit status and heavy packages loaded, stderr) of ``crawler ARGS`` in a new process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    result = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.splitlines()[-1]), result.stderr


def test_help_imports_no_sub_command() -> None:
    outcome, _ = run_cli("--help")
    assert outcome == {"status": 0, "loaded": []}


def test_a_sub_command_help_lists_its_options_without_loading_scrapy() -> None:
    outcome, _ = run_cli("crawl", "--help")
    assert outcome == {"status": 0, "loaded": []}


@pytest.mark.parametrize("held", ["database", "source", "jobdir", "jobdir-setting"])
def test_a_held_crawl_is_refused_before_scrapy_and_twisted_load(tmp_path: Path, held: str) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    args = ["crawl", URL, "--db", db_url]
    if held == "database":
        lock = scope_lock(db_url, frontier_scope("site", None, [URL]))
        assert isinstance(lock, FileLock)
    elif held == "source":
        lock = scope_lock(db_url, frontier_scope("site", "blog", [URL]))
        assert isinstance(lock, FileLock)
        args += ["--source", "blog"]
    elif held == "jobdir":
        lock = jobdir_lock(str(tmp_path / "job" / "site"))
        args += ["--jobdir", str(tmp_path / "job")]
    else:
        lock = jobdir_lock(str(tmp_path / "state"))
        args += ["-s", f"JOBDIR={tmp_path / 'state'}"]
    lock.acquire()
    try:
        outcome, stderr = run_cli(*args)
    finally:
        lock.release()
    assert outcome["status"] == 2
    assert not {"scrapy", "twisted"} & set(outcome["loaded"])
    assert stderr.count("\n") == 1 and stderr.startswith("crawler: error: ")
    assert "in use by another crawl" in stderr and f"pid {os.getpid()} on host" in stderr


def test_a_crawl_with_bad_arguments_is_refused_before_scrapy_loads(tmp_path: Path) -> None:
    outcome, stderr = run_cli("crawl", URL, "--max-pages", "-1", "--db", f"sqlite:///{tmp_path}/n")
    assert outcome == {"status": 2, "loaded": []}
    assert stderr == "crawler: error: --max-pages must be 0 (no limit) or more\n"
