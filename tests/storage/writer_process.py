"""One writer process of the concurrency tests: stores articles through `BatchWriter`.

``python -m tests.storage.writer_process DB_URL GO_FILE BUSY_TIMEOUT SEED FIRST:LAST ...``
waits until ``GO_FILE`` exists (so that every writer starts at once), stores the articles
of the given index ranges in a shuffled order, in batches of ``BATCH``, and prints what it
did as one JSON line.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from crawler.items import ArticleItem
from crawler.storage import BatchResult, BatchWriter, WriteOutcome, open_database
from tests.storage.builders import body_text, make_item

BATCH = 25


def article(i: int) -> ArticleItem:
    """Article ``i``: the same item in every writer."""
    return make_item(f"https://writers.example.com/news/{i}", body_text(i, paragraphs=3))


def indexes(ranges: list[str]) -> list[int]:
    """The indexes of ``FIRST:LAST`` ranges (LAST excluded)."""
    return [i for spec in ranges for i in range(*map(int, spec.split(":")))]


def main(argv: list[str]) -> None:
    db_url, go, busy_timeout, seed, *ranges = argv
    order = indexes(ranges)
    random.Random(int(seed)).shuffle(order)
    items = [article(i) for i in order]
    database = open_database(db_url, busy_timeout=float(busy_timeout))
    writer = BatchWriter(database, attempts=20, backoff=0.01)
    while not Path(go).exists():
        time.sleep(0.005)
    total = WriteOutcome(BatchResult())
    for start in range(0, len(items), BATCH):
        total += writer.write(items[start : start + BATCH])
    database.close()
    result = total.result
    print(
        json.dumps(
            {
                "stored": result.stored,
                "unchanged": result.unchanged,
                "other": result.total - result.stored - result.unchanged,
                "lost": len(total.lost),
                "retries": total.retries,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
