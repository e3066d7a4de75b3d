"""``crawler export``: stored articles as JSON Lines or CSV, streamed from the database."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler.cli.db import connect
from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument
from crawler.items import Article
from crawler.storage.queries import export_records

#: Columns of the CSV export: id, the keys of ``Article.to_json()`` in order, then the rest.
CSV_COLUMNS = (
    "id",
    *Article(url="", fetched_at=datetime(2000, 1, 1, tzinfo=UTC)).to_json(),
    "first_seen",
    "last_seen",
    "duplicate_of",
)
#: First characters that make a spreadsheet treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def parse_since(text: str) -> datetime:
    """An ISO date or datetime; without a zone it is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def csv_cell(value: Any) -> Any:
    """A CSV cell: lists and objects as JSON, None empty, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line; returns how many."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write a header and one row per record; returns how many rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        writer.writerow([csv_cell(record.get(column)) for column in CSV_COLUMNS])
        count += 1
    return count


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``export`` sub-command's parser."""
    parser.description = (
        "One record per stored article: the extract keys plus id, first_seen, "
        "last_seen and duplicate_of (the canonical URL it duplicates, or null)."
    )
    add_db_argument(parser)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument(
        "--since",
        type=parse_since,
        metavar="DATE",
        help="only articles first seen at or after DATE (ISO 8601; UTC without a zone)",
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE (default: standard output)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Stream the export; the output file appears only once it is complete."""
    write = write_csv if args.format == "csv" else write_jsonl
    database = connect(args, existing=True)
    try:
        with database.read() as conn, _output(args.output, csv_mode=args.format == "csv") as out:
            count = write(export_records(conn, args.since), out)
    finally:
        database.close()
    print(f"exported {count} article(s)", file=sys.stderr)
    return 0


@contextmanager
def _output(path: Path | None, csv_mode: bool) -> Iterator[IO[str]]:
    newline = "" if csv_mode else None
    if path is None:
        sys.stdout.reconfigure(newline=newline)  # type: ignore[union-attr]
        yield sys.stdout
        sys.stdout.flush()
        return
    if not path.parent.is_dir():
        raise CliError(f"no such folder: {path.parent}")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
