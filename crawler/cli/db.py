"""``crawler db``: apply or revert migrations; the ``--db`` option that other commands share."""

from __future__ import annotations

import argparse

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from crawler import settings
from crawler.cli.errors import CliError
from crawler.storage import Database, DatabaseUnavailable, open_database
from crawler.storage.database import sqlite_file
from crawler.storage.engine import first_line
from crawler.storage.migrate import head_revision


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


def connect(args: argparse.Namespace, *, migrate: bool = True, existing: bool = False) -> Database:
    """Open the database of ``args``; errors become one-line `CliError`s.

    ``existing`` requires a database the crawler has already set up (for read-only
    commands, which should not create an empty SQLite file).
    """
    url = db_url(args)
    try:
        path = sqlite_file(url) if existing else None
        if path is not None and not path.exists():
            raise CliError(f"no database at {path} (run a crawl or `crawler db upgrade` first)")
        database = open_database(url, migrate=migrate and not existing)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(f"malformed database URL: {exc}") from None
    if existing and database.schema_revision() != head_revision():
        database.close()
        raise CliError(
            f"database {database.url} is not at schema {head_revision()}: run `crawler db upgrade`"
        )
    return database


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``db`` sub-command and its ``upgrade``, ``downgrade`` and ``current`` actions."""
    parser = subparsers.add_parser(
        "db", help="manage the database schema", description="Apply or revert migrations."
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply migrations (to the newest by default)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target revision")
    downgrade = actions.add_parser("downgrade", help="revert migrations down to REVISION")
    downgrade.add_argument("revision", help="target revision (base: drop every table)")
    current = actions.add_parser("current", help="print the database's schema revision")
    for action in (upgrade, downgrade, current):
        add_db_argument(action)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one ``db`` action; prints the revision the database ends at."""
    database = connect(args, migrate=False)
    try:
        if args.action == "upgrade":
            database.upgrade(args.revision)
        elif args.action == "downgrade":
            database.downgrade(args.revision)
        print(f"{database.url}: schema revision {database.schema_revision() or 'none'}")
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    except (CommandError, SQLAlchemyError) as exc:
        raise CliError(f"{args.action} failed: {first_line(exc)}") from None
    finally:
        database.close()
    return 0
