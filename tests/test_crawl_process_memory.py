"""What the crawl process imports: not the extraction engine (the workers run it), nor numpy
(the workers make the MinHash signatures), nor Alembic (a database behind the newest schema is
migrated by a child process), nor Redis without a shared frontier, nor scipy, nor aiohttp
(Scrapy's remote-control server, which runs code sent to it, is not among the extensions).

Each of these costs the crawl process resident memory on every crawl (scipy alone ~45 MB,
numpy ~15 MB, Alembic with Mako and Pygments ~11 MB, aiohttp ~10 MB, Redis ~6 MB); issue 8
bounds that process at 200 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawler.minhash import minhash_signature
from crawler.storage import open_database
from crawler.storage.migrate import head_revision

REPO = Path(__file__).resolve().parents[1]

#: Packages only extraction workers, or nothing at all, may load.
NOT_IN_THE_CRAWL_PROCESS = (
    "trafilatura",
    "dateparser",
    "htmldate",
    "justext",
    "scipy",
    "datasketch",
    "numpy",
    "alembic",
    "mako",
    "pygments",
    "redis",
    "scrapy_redis",
    "aiohttp",
)

SCRIPT = f"""
import json
import sys
from datetime import UTC, datetime

import crawler.crawl, pipelines.dedupe, pipelines.store, spiders.base
from crawler.cli import build_parser
from crawler.items import ArticleItem
from crawler.pool import ExtractionPool, PageTask
from crawler.storage import open_database
from crawler.storage.migrate import head_revision

if __name__ == "__main__":
    build_parser("crawl")  # as `crawler crawl` does
    pool = ExtractionPool(workers=1, timeout=60)
    page = b"<html><head><title>Ferry</title></head><body><article><p>"
    page += b"The ferry timetable changes for the summer season. " * 40
    page += b"</p></article></body></html>"
    article = pool.submit(PageTask(page, "http://a.example/x", datetime.now(UTC))).result(60)
    pool.close()
    database = open_database(sys.argv[1])
    database.store_batch([ArticleItem(article, article.url)])
    with database.read() as conn:
        stored = conn.exec_driver_sql("SELECT body, minhash FROM articles").one()
    loaded = sorted(m for m in {NOT_IN_THE_CRAWL_PROCESS!r} if m in sys.modules)
    print(json.dumps({{"loaded": loaded, "body": stored.body, "minhash": stored.minhash.hex()}}))
"""


def test_the_crawl_process_leaves_extraction_and_signatures_to_its_workers(
    tmp_path: Path,
) -> None:
    script = tmp_path / "crawl_process.py"
    script.write_text(SCRIPT, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'news.db'}"
    open_database(url).close()  # migrated here: a crawl usually opens an existing database
    result = subprocess.run(
        [sys.executable, str(script), url], cwd=REPO, capture_output=True, text=True, check=True
    )
    crawl_process = json.loads(result.stdout)
    assert crawl_process["loaded"] == []
    assert crawl_process["body"].startswith("The ferry timetable changes")
    assert crawl_process["minhash"] == minhash_signature(crawl_process["body"]).tobytes().hex()


def test_the_workers_make_signatures_without_loading_storage() -> None:
    script = (
        "import sys, crawler.extract_worker; "
        "print(sorted(m for m in ('sqlalchemy', 'crawler.storage') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"  # the forkserver preloads that module


FRESH_DATABASE_CRAWL = f"""
import json
import socket
import sys

from crawler.crawl import CrawlConfig, run_crawls
from crawler.storage import open_database
from crawler.storage.migrate import head_revision

if __name__ == "__main__":
    with socket.socket() as closed:  # a port nothing listens on: the page fails at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = CrawlConfig(
        urls=[f"http://127.0.0.1:{{port}}/news/a.html"],
        db_url=sys.argv[1],
        quiet=True,
        settings={{"RETRY_ENABLED": False}},
    )
    run_crawls([config])
    loaded = sorted(m for m in {NOT_IN_THE_CRAWL_PROCESS!r} if m in sys.modules)
    database = open_database(sys.argv[1], migrate=False)
    print(json.dumps({{"loaded": loaded, "revision": database.schema_revision()}}))
"""


def test_a_crawl_into_a_new_database_migrates_it_in_a_child_process(tmp_path: Path) -> None:
    script = tmp_path / "fresh_crawl.py"
    script.write_text(FRESH_DATABASE_CRAWL, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'news.db'}"
    result = subprocess.run(
        [sys.executable, str(script), url],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    crawl_process = json.loads(result.stdout.strip().splitlines()[-1])
    assert crawl_process["revision"] == head_revision()
    assert crawl_process["loaded"] == []  # Alembic ran in the child: not in the crawl process
