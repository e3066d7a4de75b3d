"""``crawler extract``: saved pages in, article JSON out (one object, or JSON Lines for many)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler import extraction
from crawler.cli.errors import CliError
from crawler.extraction import ExtractionError, ExtractionOptions


@dataclass(frozen=True, slots=True)
class PageInput:
    """One page to extract: where it is, its URL and when it was fetched."""

    path: str
    url: str | None
    fetched_at: datetime


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``extract`` sub-command's parser."""
    parser.description = (
        "Print the article of each page as JSON: one object for one page, "
        "JSON Lines with a `path` key for several pages or a manifest."
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="HTML file, or - for stdin")
    parser.add_argument("--url", help="the URL the page was fetched from")
    parser.add_argument(
        "--fetched-at", type=parse_instant, help="fetch time, ISO 8601 (default: now, UTC)"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        help="JSON Lines of {path, url, fetched_at}; relative paths are read from the "
        "manifest's folder",
    )
    parser.add_argument("--timezone", help="IANA zone for pages that print a time without a zone")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract every page given; a page that fails prints one error line and sets exit 1."""
    options = ExtractionOptions(timezone=_checked_zone(args.timezone))
    now = datetime.now(UTC)
    pages = list(_pages(args, now))
    if not pages:
        raise CliError("nothing to extract: give a PATH, - for stdin, or --manifest FILE")
    if len(pages) == 1 and not args.manifest:
        record = _extract(pages[0], options)
        if "error" in record:
            raise CliError(f"{pages[0].path}: {record['message']}", exit_code=1)
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    status = 0
    for page in pages:
        record = {"path": page.path, **_extract(page, options)}
        if "error" in record:
            print(f"crawler: error: {page.path}: {record['message']}", file=sys.stderr)
            status = 1
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return status


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; a time without offset is taken as UTC."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def read_page(path: str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of the file (``-`` = stdin), so a huge file is refused fast."""
    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def _extract(page: PageInput, options: ExtractionOptions) -> dict[str, Any]:
    try:
        data = read_page(page.path, options.max_html_bytes)
        url = page.url or _default_url(page.path)
        article = extraction.extract_article(data, url, page.fetched_at, options)
    except OSError as exc:
        return {"error": "unreadable", "message": f"unreadable: {exc.strerror or exc}"}
    except ExtractionError as exc:
        return {"error": exc.reason, "message": f"{exc.reason}: {exc}"}
    return article.to_json()


def _pages(args: argparse.Namespace, now: datetime) -> Iterator[PageInput]:
    for path in args.paths:
        yield PageInput(path, args.url, args.fetched_at or now)
    if args.manifest:
        yield from _manifest_pages(args.manifest, args.fetched_at or now)


def _manifest_pages(manifest: Path, default_time: datetime) -> Iterator[PageInput]:
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{manifest}: cannot read manifest: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            path = Path(entry["path"])
            fetched = entry.get("fetched_at")
            yield PageInput(
                str(path if path.is_absolute() else manifest.parent / path),
                entry.get("url"),
                parse_instant(fetched) if fetched else default_time,
            )
        except (ValueError, KeyError, TypeError, argparse.ArgumentTypeError) as exc:
            raise CliError(f"{manifest}:{number}: bad manifest line: {exc}") from exc


def _default_url(path: str) -> str:
    return "file:///dev/stdin" if path == "-" else Path(path).resolve().as_uri()


def _checked_zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CliError(f"unknown timezone: {name}") from exc
    return name
