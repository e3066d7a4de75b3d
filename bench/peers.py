"""Peer extractors on the bench pages: news-please and newspaper4k, in a venv of their own.

Their pins must never touch the project's ``.venv``, so they live in ``.venv-peers`` (at the
repo root, gitignored), which `ensure_venv` creates with ``PEER_PACKAGES`` when missing. The
measurement itself runs under that venv's Python: this file with ``--worker`` prints one
JSON list of CPU-per-page summaries. No network: images are not fetched.

    python bench/peers.py [--count N]      # creates .venv-peers if needed, prints the summaries
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpu import CpuPerPage, summary
from pages import BENCHMARK_DIR, REPO, PageSet, article_path

PEER_VENV = REPO / ".venv-peers"
PEER_PACKAGES = ("news-please==1.6.16", "newspaper4k==0.9.6")


def ensure_venv(venv: Path = PEER_VENV) -> Path:
    """The peers' Python, after creating their venv if it does not import both packages."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import newsplease, newspaper"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES],
        check=True,
    )
    return python


def measure(count: int, base_url: str, data: Path | None) -> list[CpuPerPage]:
    """Run the worker under the peers' venv; its summaries."""
    command = [str(ensure_venv()), str(Path(__file__).resolve()), "--worker"]
    command += ["--count", str(count), "--base-url", base_url]
    command += ["--data", str(data)] if data else ["--generated"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return [CpuPerPage(**entry) for entry in json.loads(result.stdout)]


def _peer_methods() -> dict[str, Callable[[str, str], str]]:
    """Name -> function(html, url) -> body text; imported here, inside the peers' venv."""
    import newspaper  # type: ignore[import-not-found]
    from newsplease import NewsPlease  # type: ignore[import-not-found]

    def news_please(html: str, url: str) -> str:
        article = NewsPlease.from_html(html, url=url, fetch_images=False)
        return str(article.maintext or "")

    def newspaper4k(html: str, url: str) -> str:
        article = newspaper.Article(url, fetch_images=False)
        article.download(input_html=html)
        article.parse()
        return str(article.text or "")

    return {
        "news-please NewsPlease.from_html": news_please,
        "newspaper4k Article.parse": newspaper4k,
    }


def _worker(count: int, base_url: str, data: Path | None) -> list[dict[str, Any]]:
    pages = PageSet.load(data)
    texts = [pages.body(i, base_url).decode("utf-8") for i in range(count + 1)]
    results = []
    for name, method in _peer_methods().items():
        samples, failures = [], 0
        for i in (count, *range(count)):  # page ``count`` warms up imports and caches
            start = time.process_time()
            try:
                text = method(texts[i], f"{base_url}{article_path(i)}")
            except Exception:  # noqa: BLE001 - a peer failing on a page is counted, not fatal
                text = ""
            if i < count:
                samples.append((time.process_time() - start) * 1000)
                failures += not text
        results.append(summary(name, samples, failures).as_dict())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="measure in this interpreter")
    parser.add_argument("--count", type=int, default=181)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=BENCHMARK_DIR)
    source.add_argument("--generated", action="store_true")
    args = parser.parse_args(argv)
    data = None if args.generated else args.data
    if args.worker:
        warnings.simplefilter("ignore")
        print(json.dumps(_worker(args.count, args.base_url, data)))
    else:
        for result in measure(args.count, args.base_url, data):
            print(json.dumps(result.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
