"""``crawler extract`` and ``crawler fixture``: in-process through ``main``, plus one real
process to show that bad input ends with one line and no traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.cli import main

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
SEED_PAGE = CASES / "defenseworld-seed" / "page.html"
SEED_URL = json.loads((CASES / "defenseworld-seed" / "meta.json").read_text())["url"]


@dataclass
class Result:
    returncode: int
    stdout: bytes
    stderr: bytes


@pytest.fixture
def crawler(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch):
    """Run ``crawler ARGS`` in this process; returns exit status and captured output."""

    def run(*args: str, stdin: bytes = b"") -> Result:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(args))
        out, err = capsysbinary.readouterr()
        return Result(code, out, err)

    return run


def test_one_page_prints_one_json_object_with_every_key(crawler) -> None:
    result = crawler(
        "extract", str(SEED_PAGE), "--url", SEED_URL, "--fetched-at", "2018-07-17T10:15Z"
    )
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    for key in ("url", "canonical_url", "title", "authors", "byline", "published_at",
                "published_raw", "published_tz", "modified_at", "language", "description",
                "body", "site_name", "tags", "image_url", "word_count", "is_article",
                "provenance"):  # fmt: skip
        assert key in article
    assert article["url"] == SEED_URL
    assert article["fetched_at"] == "2018-07-17T10:15:00+00:00"
    assert article["body"].endswith("pressure from Washington.")


def test_stdin_is_read_for_dash(crawler) -> None:
    result = crawler("extract", "-", "--url", SEED_URL, stdin=SEED_PAGE.read_bytes())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"].startswith("US In Talks")


def test_several_pages_print_json_lines_in_order_with_path(crawler) -> None:
    pages = [CASES / name / "page.html" for name in ("amp-page", "no-date", "german-date")]
    result = crawler("extract", *map(str, pages))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == list(map(str, pages))
    assert records[1]["title"] == "How to read a river flood warning"


def test_manifest_gives_url_and_fetch_time_per_page(crawler, tmp_path: Path) -> None:
    manifest = tmp_path / "pages.jsonl"
    entries = []
    for name in ("relative-date", "amp-page"):
        meta = json.loads((CASES / name / "meta.json").read_text())
        entries.append({"path": str(CASES / name / "page.html"), **meta})
    manifest.write_text("\n".join(json.dumps(e) for e in entries) + "\n")
    result = crawler("extract", "--manifest", str(manifest))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in records] == [e["url"] for e in entries]
    assert [r["fetched_at"] for r in records] == [e["fetched_at"] for e in entries]


def test_timezone_option_localizes_wall_clock_times(crawler) -> None:
    result = crawler("extract", str(SEED_PAGE), "--url", SEED_URL, "--timezone", "Asia/Kolkata")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["published_tz"] == "source-timezone"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 64, "not_html"),
        (b'{"json": true}', "not_html"),
        (b"plain text, no markup at all", "not_html"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    crawler, tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(content)
    result = crawler("extract", str(path))
    assert result.returncode != 0
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert b"Traceback" not in result.stderr


def test_missing_path_is_one_line_and_non_zero(crawler, tmp_path: Path) -> None:
    result = crawler("extract", str(tmp_path / "nope.html"))
    assert result.returncode != 0
    assert len(result.stderr.decode().strip().splitlines()) == 1
    assert b"Traceback" not in result.stderr


def test_huge_page_is_refused_fast_in_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.write(b"<html><body>")
        for _ in range(30):
            handle.write(b"<p>" + b"word " * 200_000 + b"</p>")
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "extract", str(path)],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert time.monotonic() - start < 30
    assert result.returncode != 0
    assert b"too_large" in result.stderr
    assert b"Traceback" not in result.stderr


def test_a_bad_page_in_a_batch_is_reported_and_the_rest_extracted(crawler, tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    result = crawler("extract", str(empty), str(SEED_PAGE))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0] == {"path": str(empty), "error": "empty", "message": records[0]["message"]}
    assert records[1]["path"] == str(SEED_PAGE) and records[1]["is_article"] is True
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_unknown_timezone_is_a_user_error(crawler) -> None:
    result = crawler("extract", str(SEED_PAGE), "--timezone", "Mars/Olympus")
    assert result.returncode == 2
    assert b"unknown timezone" in result.stderr


def test_fixture_add_writes_a_complete_case_and_refuses_to_overwrite(
    crawler, tmp_path: Path
) -> None:
    result = crawler(
        "fixture", "add", str(SEED_PAGE), "--url", SEED_URL, "--name", "seed-copy",
        "--fetched-at", "2018-07-17T10:15:00+00:00", "--root", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "seed-copy"
    assert sorted(p.name for p in folder.iterdir()) == ["expected.json", "meta.json", "page.html"]
    assert folder.joinpath("page.html").read_bytes() == SEED_PAGE.read_bytes()
    expected = json.loads(folder.joinpath("expected.json").read_text())
    assert list(expected) == sorted(expected)
    assert expected["url"] == SEED_URL and "links" in expected
    again = crawler("fixture", "add", str(SEED_PAGE), "--url", SEED_URL, "--name", "seed-copy",
                    "--root", str(tmp_path))  # fmt: skip
    assert again.returncode == 2 and b"exists" in again.stderr


def test_fixture_update_rewrites_expected(crawler, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    folder.joinpath("page.html").write_bytes(SEED_PAGE.read_bytes())
    folder.joinpath("meta.json").write_text(
        json.dumps({"url": SEED_URL, "fetched_at": "2018-07-17T10:15:00+00:00"})
    )
    folder.joinpath("expected.json").write_text("{}")
    result = crawler("fixture", "update", "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "case: changed"
    assert json.loads(folder.joinpath("expected.json").read_text())["url"] == SEED_URL


def test_fixture_add_rejects_a_bad_name(crawler, tmp_path: Path) -> None:
    result = crawler("fixture", "add", str(SEED_PAGE), "--url", SEED_URL, "--name", "Bad Name",
                     "--root", str(tmp_path))  # fmt: skip
    assert result.returncode == 2
    assert not any(tmp_path.iterdir())
