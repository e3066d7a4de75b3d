"""Storage benchmark: batched insert rate, and near-duplicate lookups as the table grows.

    .venv/bin/python bench/store_bench.py [--postgres URL] [--items 3000] [--sizes 10000,100000]

For SQLite (a temporary file) and PostgreSQL (a temporary schema, when ``--postgres`` or
``CRAWLER_TEST_POSTGRES_URL`` is given) it prints:

1. rows/s and CPU ms per row storing new articles in batches of 100, and with one commit
   per row, both through ``Database.store_batch`` (dedupe decisions included);
2. the time to store a batch of 100 new articles (URL, exact-body and MinHash-LSH lookups
   included) when the table holds each of ``--sizes`` articles (filled with synthetic rows
   with random signatures, written straight to the tables), and the peak RSS of
   ``crawler export`` over the whole table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import sqlalchemy as sa

from crawler.items import Article, ArticleItem
from crawler.storage import Database, open_database
from crawler.storage.models import ArticleRow, LshBand, table
from crawler.storage.neardup import DEFAULT_LSH, band_keys
from crawler.storage.records import prepare

NOW = datetime(2024, 5, 1, tzinfo=UTC)
WORDS = [f"w{i}" for i in range(20_000)]
FILLER_BODY = "Filler paragraph of a synthetic article. " * 25


def item(n: int, rng: random.Random) -> ArticleItem:
    body = " ".join(rng.choice(WORDS) for _ in range(300))
    url = f"https://site{n % 50}.example.com/news/{n}"
    article = Article(url=url, fetched_at=NOW, body=body, title=f"Story {n}", is_article=True)
    return ArticleItem(article=article, requested_url=url, source="bench")


@contextmanager
def backends(postgres: str | None) -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        found = [("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        if postgres:
            engine = sa.create_engine(postgres)
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in postgres else "?"
            found.append(("postgresql", f"{postgres}{sep}options=-csearch_path%3D{schema}"))
        try:
            yield found
        finally:
            if postgres:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()


def insert_rate(database: Database, items: list[ArticleItem], batch: int) -> tuple[float, float]:
    """(rows per second, CPU ms per row) storing ``items`` ``batch`` at a time."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(items), batch):
        database.store_batch(items[start : start + batch])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(items) / wall, cpu / len(items) * 1000


def fill(database: Database, target: int, rng: np.random.Generator) -> None:
    """Add synthetic articles (random signatures) until the table holds ``target``."""
    articles, bands = table(ArticleRow), table(LshBand)
    with database.read() as conn:
        have = int(conn.scalar(sa.select(sa.func.count()).select_from(articles)) or 0)
    while have < target:
        count = min(5000, target - have)
        rows: list[dict[str, Any]] = []
        band_rows: list[list[dict[str, Any]]] = []
        for offset in range(count):
            signature = rng.integers(0, 2**32, DEFAULT_LSH.num_perm, dtype=np.uint32)
            url = f"https://filler.example.net/{have + offset}"
            rows.append(
                {
                    "url_key": url, "canonical_url": url, "url": url,
                    "domain": "example.net", "authors": [], "body": FILLER_BODY, "tags": [],
                    "word_count": 1, "content_hash": uuid.uuid4().hex,
                    "minhash": signature.astype("<u4").tobytes(), "first_seen": NOW,
                    "last_seen": NOW, "fetched_at": NOW, "extractor_version": "bench",
                    "provenance": {}, "flags": [],
                }
            )  # fmt: skip
            band_rows.append([{"band_key": k} for k in band_keys(signature)])
        with database.write() as conn:
            ids = (
                conn.execute(
                    articles.insert().returning(articles.c.id, sort_by_parameter_order=True), rows
                )
                .scalars()
                .all()
            )
            for row_bands, article_id in zip(band_rows, ids, strict=True):
                for band in row_bands:
                    band["article_id"] = article_id
            conn.execute(bands.insert(), [band for row_bands in band_rows for band in row_bands])
        have += count


def batch_time(database: Database, items: list[ArticleItem]) -> tuple[float, float]:
    """Median (wall ms, CPU ms) to store one batch of 100 new articles."""
    walls, cpus = [], []
    for start in range(0, len(items), 100):
        wall, cpu = time.perf_counter(), time.process_time()
        database.store_batch(items[start : start + 100])
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2]


def export_peak_rss(url: str) -> float:
    """Peak RSS (MB) of ``crawler export`` over the whole table, polled every 20 ms."""
    command = [sys.executable, "-m", "crawler", "export", "--db", url]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, process.memory_info().rss)
        time.sleep(0.02)
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("CRAWLER_TEST_POSTGRES_URL"))
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(1)
    items = [item(n, rng) for n in range(args.items + 100 * 5 * len(sizes) + 300)]
    prepare(items[-1])  # first MinHash (permutations drawn) outside the measurement
    started = time.process_time()
    for it in items[:500]:
        prepare(it)
    spent = (time.process_time() - started) / 500 * 1000
    print(f"prepare (sanitise, canonical URLs, fingerprint): {spent:.2f} CPU ms/item")
    with backends(args.postgres) as found:
        for name, url in found:
            database = open_database(url)
            try:
                pool = iter(items)
                batched = [next(pool) for _ in range(args.items)]
                single = [next(pool) for _ in range(300)]
                rate, cpu = insert_rate(database, batched, 100)
                rate1, cpu1 = insert_rate(database, single, 1)
                print(f"{name}: batches of 100: {rate:,.0f} rows/s, {cpu:.2f} CPU ms/row")
                print(f"{name}: one commit per row: {rate1:,.0f} rows/s, {cpu1:.2f} CPU ms/row")
                filler = np.random.default_rng(2)
                for size in sizes:
                    fill(database, size, filler)
                    probe = [next(pool) for _ in range(500)]
                    wall, cpu = batch_time(database, probe)
                    print(f"{name}: {size:,} articles: {wall:.0f} ms wall, {cpu:.0f} ms CPU "
                          "per batch of 100 new articles (median of 5); "
                          f"export peak RSS {export_peak_rss(url):.0f} MB")  # fmt: skip
            finally:
                database.close()


if __name__ == "__main__":
    main()
