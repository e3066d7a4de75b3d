"""Options several sub-commands share (``--db``, ``--sources``), without importing storage."""

from __future__ import annotations

import argparse

from crawler import settings
from crawler.cli.errors import CliError


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--db URL`` to a sub-command's parser."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL, e.g. sqlite:///news.db or postgresql://user@host/name "
        "(default: env CRAWLER_DB_URL, else sqlite:///news.db)",
    )


def db_url(args: argparse.Namespace) -> str:
    """The database URL: ``--db``, else env ``CRAWLER_DB_URL``, else ``sqlite:///news.db``."""
    return str(getattr(args, "db", None) or settings.CRAWLER_DB_URL)


def add_sources_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--sources FILE`` option shared by every command that reads the sources file."""
    parser.add_argument(
        "--sources",
        metavar="FILE",
        help="sources file (default: $CRAWLER_SOURCES)",
    )


def sources_path(given: str | None) -> str:
    """The sources file to read: ``--sources``, else ``CRAWLER_SOURCES``; CliError if neither."""
    path = given or settings.CRAWLER_SOURCES_FILE
    if not path:
        raise CliError("no sources file: pass --sources FILE or set CRAWLER_SOURCES")
    return path
