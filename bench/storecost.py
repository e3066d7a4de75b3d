"""CPU per article of the dedupe and store stages, measured apart from the crawl.

Articles a bench crawl stored are read back and stored again into an empty database of the
same kind, in batches of the crawl's size, the way the store pipeline's thread does it:
``dedupe`` is `crawler.storage.records.prepare` (sanitising, content hash, LSH band keys;
the MinHash signature comes made by the extraction worker, as in a crawl, so it is made
here before the clock starts), ``store`` the write transaction ``Database.store_batch`` runs
on them (duplicate lookups, upserts, the commit); the PostgreSQL backend's own CPU is
reported beside.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import psutil
import sqlalchemy as sa

from crawler.extraction import EXTRACTOR_VERSION
from crawler.items import Article, ArticleItem
from crawler.minhash import sign_body
from crawler.storage import open_database
from crawler.storage.models import ArticleRow
from crawler.storage.records import prepare, row_article
from crawler.storage.upsert import store_incoming


@dataclass(frozen=True, slots=True)
class StoreCost:
    """Milliseconds of CPU per article."""

    articles: int
    dedupe_ms: float
    store_ms: float
    backend_ms: float  # database server process (PostgreSQL only)


def stored_items(db_url: str, limit: int) -> list[ArticleItem]:
    """Up to ``limit`` stored articles of ``db_url`` as items, in storage order."""
    database = open_database(db_url, migrate=False)
    try:
        with database.read() as conn:
            rows = conn.execute(sa.select(ArticleRow).order_by(ArticleRow.id).limit(limit))
            return [
                ArticleItem(
                    article=_signed(row_article(row)),
                    requested_url=row.url,
                    canonical_url=row.canonical_url,
                    extractor_version=EXTRACTOR_VERSION,
                )
                for row in rows
            ]
    finally:
        database.close()


def _signed(article: Article) -> Article:
    """``article`` with the signature an extraction worker gives it."""
    return dataclasses.replace(article, signature=sign_body(article.body))


def measure_store(items: list[ArticleItem], empty_db_url: str, batch_size: int = 100) -> StoreCost:
    """Store ``items`` into the empty database ``empty_db_url``; CPU per article by stage."""
    database = open_database(empty_db_url)
    try:
        backend = _backend(database.engine)
        backend_before = _cpu(backend)
        dedupe = store = 0.0
        for first in range(0, len(items), batch_size):
            start = time.thread_time()
            incoming = [prepare(item) for item in items[first : first + batch_size]]
            middle = time.thread_time()
            with database.write(lock="articles") as conn:  # as Database.store_batch does
                store_incoming(conn, incoming, database.clock())
            dedupe += middle - start
            store += time.thread_time() - middle
        backend_cpu = _cpu(backend) - backend_before
    finally:
        database.close()
    count = max(1, len(items))
    return StoreCost(
        len(items), dedupe * 1000 / count, store * 1000 / count, backend_cpu * 1000 / count
    )


def _backend(engine: sa.Engine) -> psutil.Process | None:
    """The PostgreSQL server process of the engine's (single, reused) connection."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return psutil.Process(int(conn.execute(sa.text("select pg_backend_pid()")).scalar_one()))


def _cpu(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system
