"""Schema migrations run in-process with Alembic, one migrating process at a time.

The database's revision is read with plain SQL and the shipped revisions from the migration
files' text, so opening a database that is already up to date never imports Alembic (with
Mako and Pygments, ~11 MB of a crawl's memory); only migrating does.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from crawler.storage.session import write_transaction

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The table where Alembic keeps the database's revision (its default name).
VERSION_TABLE = "alembic_version"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped in this package (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    chain = _revision_chain()
    (head,) = set(chain) - set(chain.values())
    return head


def known_revisions() -> set[str]:
    """Every revision shipped with this code."""
    return set(_revision_chain())


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision, or None for a database without the crawler's schema."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        revision: str | None = conn.execute(
            sa.text(f"SELECT version_num FROM {VERSION_TABLE}")
        ).scalar_one_or_none()
        return revision


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade to ``revision``; concurrent callers wait for each other and do it once."""
    from alembic import command

    with write_transaction(engine, lock="migrate") as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Downgrade to ``revision`` (``base`` drops every table)."""
    from alembic import command

    with write_transaction(engine, lock="migrate") as conn:
        command.downgrade(alembic_config(conn), revision)


@cache
def _revision_chain() -> dict[str, str | None]:
    """Each shipped revision and the one it follows (its ``down_revision``), read from the
    migration files' source: importing them would import Alembic."""
    chain: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = {
            target.id: node.value
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "revision" in values:
            chain[ast.literal_eval(values["revision"])] = ast.literal_eval(values["down_revision"])
    return chain
