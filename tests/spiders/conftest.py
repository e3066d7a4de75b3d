"""Spider-test fixtures: a small news site on 127.0.0.1 and a runner for one spider per process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.siteserver import RequestRecord, SiteServer

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_spider.py"


@dataclass(frozen=True)
class SpiderRun:
    """What one spider yielded, its stats, and the requests the sites answered meanwhile."""

    items: list[dict[str, Any]]
    stats: dict[str, Any]
    requests: list[RequestRecord]

    def paths(self, site: str = "harbour") -> list[str]:
        """Paths requested on ``site`` (robots.txt excluded), in order."""
        return [r.path for r in self.requests if r.site == site and r.path != "/robots.txt"]

    def item_paths(self, base: str) -> set[str]:
        """Paths of the yielded articles' URLs."""
        return {i["url"].removeprefix(base) for i in self.items}


@pytest.fixture(scope="module")
def sites() -> Iterator[SiteServer]:
    """``tests/spiders/sites`` served: ``harbour`` (a small local paper) and ``other``."""
    with SiteServer(HERE / "sites") as server:
        yield server


@pytest.fixture
def base(sites: SiteServer) -> str:
    """The harbour site's base URL."""
    return sites.base_url("harbour")


@pytest.fixture
def run_spider(sites: SiteServer, tmp_path: Path) -> Callable[..., SpiderRun]:
    """Run a spider (``-a`` arguments as keywords, ``settings`` as a dict) in a new process."""

    def run(spider: str, settings: dict[str, str] | None = None, **arguments: str) -> SpiderRun:
        out = tmp_path / f"{spider}.json"
        command = [sys.executable, str(RUNNER), str(out), spider]
        command += ["-s", f"CRAWLER_DB_URL=sqlite:///{tmp_path / 'news.db'}"]
        for name, value in arguments.items():
            command += ["-a", f"{name}={value}"]
        for name, value in (settings or {}).items():
            command += ["-s", f"{name}={value}"]
        sites.clear_log()
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(out.read_text("utf-8"))
        return SpiderRun(result["items"], result["stats"], sites.request_log())

    return run
