"""``crawler fixture``: save a page as a golden extraction case, or regenerate expectations."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import extraction
from crawler.cli.errors import CliError
from crawler.cli.extract import parse_instant, read_page
from crawler.extraction import ExtractionError, ExtractionOptions, SiteOverrides
from crawler.items import Article

DEFAULT_ROOT = Path("tests/fixtures/articles")
_CASE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class FixtureCase:
    """The inputs of one golden case, read from its folder.

    A case is a folder ``tests/fixtures/articles/<name>/`` holding ``page.html`` (the bytes
    as fetched), ``meta.json`` (``url``, ``fetched_at``, optional ``content_type`` and
    ``options``) and ``expected.json`` (every `Article` field and ``links``, keys sorted),
    which the fixture test compares field by field.
    """

    name: str
    folder: Path
    html: bytes
    url: str
    fetched_at: datetime
    options: ExtractionOptions
    content_type: str | None

    def extract(self) -> Article:
        """The article the engine extracts from this case's page now."""
        return extraction.extract_article(  # the engine loads at first use, not with the CLI
            self.html, self.url, self.fetched_at, self.options, content_type=self.content_type
        )


def load_case(folder: Path) -> FixtureCase:
    """The case stored in ``folder`` (``page.html`` + ``meta.json``)."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return FixtureCase(
        name=folder.name,
        folder=folder,
        html=(folder / "page.html").read_bytes(),
        url=meta["url"],
        fetched_at=parse_instant(meta["fetched_at"]),
        options=options_from_json(meta.get("options", {})),
        content_type=meta.get("content_type"),
    )


def options_from_json(data: dict[str, Any]) -> ExtractionOptions:
    """`ExtractionOptions` from the ``options`` object of a ``meta.json``."""
    known = {f.name for f in fields(ExtractionOptions)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown options: {', '.join(sorted(unknown))}")
    values = dict(data)
    if "overrides" in values:
        values["overrides"] = SiteOverrides(**values["overrides"])
    if values.get("languages") is not None:
        values["languages"] = tuple(values["languages"])
    return ExtractionOptions(**values)


def expected_json(article: Article) -> dict[str, Any]:
    """What ``expected.json`` holds: every field of the article (links too), keys sorted."""
    return dict(sorted({**article.to_json(), "links": list(article.links)}.items()))


def write_expected(case: FixtureCase) -> dict[str, Any]:
    """Extract the case's page and (re)write its ``expected.json``; returns what it wrote."""
    expected = expected_json(case.extract())
    text = json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (case.folder / "expected.json").write_text(text, encoding="utf-8")
    return expected


def case_folders(root: Path) -> list[Path]:
    """Every case folder under ``root`` (a folder with a ``meta.json``), sorted by name."""
    return sorted(path.parent for path in root.glob("*/meta.json"))


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``fixture`` sub-command's parser with ``add`` and ``update``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="save a page as a new case and write its expected.json for review"
    )
    add.add_argument("path", metavar="PATH", help="the saved HTML page")
    add.add_argument("--url", required=True, help="the URL the page was fetched from")
    add.add_argument("--name", required=True, help="case folder name (lowercase, dashes)")
    add.add_argument(
        "--fetched-at", type=parse_instant, help="fetch time, ISO 8601 (default: now, UTC)"
    )
    add.add_argument("--timezone", help="IANA zone for times printed without a zone")
    add.add_argument("--content-type", help="the HTTP Content-Type the page was served with")
    add.add_argument("--force", action="store_true", help="replace an existing case")
    update = actions.add_parser(
        "update", help="rewrite expected.json of existing cases (review the git diff)"
    )
    update.add_argument("names", nargs="*", metavar="CASE", help="cases to update (default: all)")
    for sub in (add, update):
        sub.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cases folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``fixture add`` or ``fixture update``."""
    return _add(args) if args.action == "add" else _update(args)


def _add(args: argparse.Namespace) -> int:
    if not _CASE_NAME.match(args.name):
        raise CliError(f"bad case name {args.name!r}: use lowercase letters, digits and dashes")
    folder: Path = args.root / args.name
    if folder.exists() and not args.force:
        raise CliError(f"{folder} exists: use --force to replace it")
    limit = ExtractionOptions().max_html_bytes
    try:
        html = read_page(args.path, limit)
    except OSError as exc:
        raise CliError(f"{args.path}: {exc.strerror or exc}", exit_code=1) from exc
    meta: dict[str, Any] = {
        "url": args.url,
        "fetched_at": (args.fetched_at or datetime.now(UTC)).isoformat(),
    }
    if args.content_type:
        meta["content_type"] = args.content_type
    if args.timezone:
        meta["options"] = {"timezone": args.timezone}
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "page.html").write_bytes(html)
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    expected = _write(load_case(folder))
    print(f"wrote {folder}/expected.json: review every field before committing")
    print(json.dumps(expected, ensure_ascii=False, indent=2))
    return 0


def _update(args: argparse.Namespace) -> int:
    folders = [args.root / name for name in args.names] or case_folders(args.root)
    if not folders:
        raise CliError(f"no cases under {args.root}")
    for folder in folders:
        if not (folder / "meta.json").is_file():
            raise CliError(f"{folder}: not a case folder (no meta.json)")
        path = folder / "expected.json"
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        _write(load_case(folder))
        changed = path.read_text(encoding="utf-8") != before
        print(f"{folder.name}: {'changed' if changed else 'unchanged'}")
    return 0


def _write(case: FixtureCase) -> dict[str, Any]:
    try:
        return write_expected(case)
    except ExtractionError as exc:
        raise CliError(f"{case.folder}: {exc.reason}: {exc}", exit_code=1) from exc
