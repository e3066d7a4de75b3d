"""Fixtures for the fixture-site tests: the bundled sites, served once per module, and answers."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crawler.siteserver import SiteServer

SITES_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "sites"


@pytest.fixture(scope="session")
def sites_root() -> Path:
    """``tests/fixtures/sites``: one folder per site, plus the generator and its data."""
    return SITES_ROOT


@pytest.fixture(scope="module")
def bundled_sites() -> Iterator[SiteServer]:
    """The sites under ``tests/fixtures/sites`` served on 127.0.0.1 (read-only: do not edit)."""
    with SiteServer(SITES_ROOT) as server:
        yield server


@pytest.fixture(scope="session")
def expected_by_site() -> dict[str, dict[str, Any]]:
    """Each bundled site's ``expected.json``, by site name."""
    return {
        p.parent.name: json.loads(p.read_text("utf-8"))
        for p in sorted(SITES_ROOT.glob("*/expected.json"))
    }


@pytest.fixture(scope="session")
def site_builder() -> ModuleType:
    """``tests/fixtures/sites/build.py`` loaded as a module (for ``write_sites``)."""
    spec = importlib.util.spec_from_file_location("fixture_sites_build", SITES_ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
