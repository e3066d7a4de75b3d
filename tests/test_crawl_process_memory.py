"""What the crawl process imports: not the extraction engine (the workers run it) nor scipy.

Each of these costs the crawl process resident memory on every crawl (scipy alone ~45 MB);
issue 8 bounds that process at 200 MB.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Packages only extraction workers, or nothing at all, may load.
NOT_IN_THE_CRAWL_PROCESS = (
    "trafilatura",
    "dateparser",
    "htmldate",
    "justext",
    "scipy",
    "datasketch",
)

SCRIPT = f"""
import sys
from datetime import UTC, datetime

import crawler.crawl, pipelines.dedupe, pipelines.store, spiders.base
from crawler.cli import build_parser
from crawler.pool import ExtractionPool, PageTask
from crawler.storage.neardup import fingerprint, warm_fingerprints

if __name__ == "__main__":
    build_parser()  # as `crawler crawl` does: it imports every sub-command's module
    warm_fingerprints()
    fingerprint("a body of a few words to hash for its near-duplicate signature")
    pool = ExtractionPool(workers=1, timeout=60)
    page = b"<html><head><title>Ferry</title></head><body><article><p>"
    page += b"The ferry timetable changes for the summer season. " * 40
    page += b"</p></article></body></html>"
    article = pool.submit(PageTask(page, "http://a.example/x", datetime.now(UTC))).result(60)
    pool.close()
    print(article.body[:9], sorted(m for m in {NOT_IN_THE_CRAWL_PROCESS!r} if m in sys.modules))
"""


def test_the_crawl_process_leaves_the_extraction_engine_to_its_workers(tmp_path: Path) -> None:
    script = tmp_path / "crawl_process.py"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "The ferry []"
