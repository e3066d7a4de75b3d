"""The import direction and dependency floors the design fixes."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(folder: Path) -> dict[str, set[str]]:
    """Top-level package names imported by each Python file below ``folder``."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", ["crawler/extraction", "crawler/storage"])
def test_extraction_and_storage_do_not_import_scrapy_or_the_cli(package: str) -> None:
    for path, names in _imported_modules(ROOT / package).items():
        bad = {n for n in names if n.split(".")[0] in {"scrapy", "twisted", "spiders", "pipelines"}}
        bad |= {n for n in names if n.startswith("crawler.cli")}
        assert not bad, f"{path} imports {sorted(bad)}"


def test_items_use_only_the_standard_library() -> None:
    names = _imported_modules(ROOT / "crawler")["crawler/items.py"]
    third_party = {n for n in names if n.split(".")[0] not in sys.stdlib_module_names}
    assert third_party == set()


def test_nothing_imports_the_cli() -> None:
    for folder in ("crawler", "spiders", "pipelines"):
        for path, names in _imported_modules(ROOT / folder).items():
            if path.startswith("crawler/cli") or path == "crawler/__main__.py":
                continue
            assert not any(n.startswith("crawler.cli") for n in names), path


def _floor(dist: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version(dist).split(".")[:2])


def test_dependencies_are_at_versions_without_known_advisories() -> None:
    assert _floor("scrapy") >= (2, 17)
    assert _floor("lxml") >= (6, 1)
