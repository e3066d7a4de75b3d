"""Golden cases: every field of every case in tests/fixtures/articles, compared one by one."""

from __future__ import annotations

import difflib
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from crawler.cli.fixture import case_folders, expected_json, load_case

CASES_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "defenseworld-article.txt"
CASES = case_folders(CASES_ROOT)


def field_diff(name: str, expected: Any, actual: Any) -> str:
    """A readable account of one differing field (a line diff for multi-line text)."""
    if isinstance(expected, str) and isinstance(actual, str) and "\n" in expected + actual:
        lines = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "expected", "actual", lineterm="", n=1
        )
        return f"{name}:\n  " + "\n  ".join(lines)
    want, got = (json.dumps(value, ensure_ascii=False) for value in (expected, actual))
    return f"{name}:\n  expected {want}\n  actual   {got}"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("folder", CASES, ids=[folder.name for folder in CASES])
def test_case_matches_expected(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    actual = expected_json(load_case(folder).extract())
    assert sorted(expected) == sorted(actual), "expected.json must hold every field"
    diffs = [
        field_diff(name, expected[name], actual[name])
        for name in sorted(expected)
        if expected[name] != actual[name]
    ]
    if diffs:
        pytest.fail(f"{folder.name}: {len(diffs)} field(s) differ\n" + "\n".join(diffs), False)


@pytest.mark.parametrize("folder", CASES, ids=[folder.name for folder in CASES])
def test_expected_body_is_clean_text(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    body = expected["body"]
    assert body == unicodedata.normalize("NFC", body)
    assert not any(ch in body for ch in "\u200b\u200c\u200d\u2060\ufeff")
    assert "\n\n\n" not in body
    paragraphs = body.split("\n\n") if body else []
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert expected["word_count"] == len(body.split())
    assert list(expected) == sorted(expected)


@pytest.mark.skipif(not SEED.is_file(), reason="shared seed article not present")
def test_seed_case_reproduces_the_seed_article() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    byline, printed_date, headline = lines[0], lines[1], lines[2]
    body_lines = [line for line in lines[4:] if line.strip()]
    assert body_lines[-1] == "Also Read"
    article = load_case(CASES_ROOT / "defenseworld-seed").extract()
    assert article.byline == byline == "Our Bureau"
    assert article.authors == ("Our Bureau",)
    assert article.title == headline
    assert article.published_raw == printed_date
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2018-07-17T08:36:00+00:00"
    assert article.published_tz == "assumed-UTC"
    # The seed was copied from a browser, which keeps the page's &nbsp; (U+00A0) between some
    # words; the body turns every whitespace run into one plain space.
    assert article.body == "\n\n".join(body_lines[:-1]).replace("\u00a0", " ")
    assert article.body.startswith("The United States is reportedly")
    assert article.body.endswith("pressure from Washington.")
