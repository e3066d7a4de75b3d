"""``crawler db``: apply or revert migrations; `connect` opens the database of ``--db``."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import SQLAlchemyError

from crawler.cli.errors import CliError
from crawler.cli.options import add_db_argument, db_url
from crawler.storage import Database, DatabaseUnavailable, open_database
from crawler.storage.database import sqlite_file
from crawler.storage.engine import first_line
from crawler.storage.migrate import head_revision


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


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``db`` parser with its ``upgrade``, ``downgrade`` and ``current`` actions."""
    parser.description = "Apply or revert migrations."
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
    from alembic.util.exc import CommandError  # Alembic is loaded only where it is used

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
