"""Alembic is imported to migrate, not to find out that a database is already up to date."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crawler.storage import open_database
from crawler.storage.engine import make_engine
from crawler.storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    known_revisions,
    upgrade,
)

OPEN = """
import json, sys
from crawler.storage import open_database
database = open_database(sys.argv[1])
print(json.dumps([database.schema_revision(), "alembic" in sys.modules]))
"""


def open_in_a_new_process(url: str) -> tuple[str, bool]:
    """(schema revision after `open_database`, whether that process imported Alembic)."""
    result = subprocess.run(
        [sys.executable, "-c", OPEN, url], capture_output=True, text=True, check=True
    )
    revision, imported = json.loads(result.stdout)
    return revision, imported


def test_an_up_to_date_database_opens_without_alembic(db_url: str) -> None:
    open_database(db_url).close()
    assert open_in_a_new_process(db_url) == (head_revision(), False)


def test_a_new_database_is_migrated(db_url: str) -> None:
    assert open_in_a_new_process(db_url) == (head_revision(), True)


def test_an_old_database_is_brought_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
    finally:
        engine.dispose()
    assert open_in_a_new_process(db_url) == (head_revision(), True)


def test_the_revisions_read_without_alembic_are_alembics(db_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
    engine = make_engine(db_url)
    try:
        assert both_readings(engine) == (None, None)
        upgrade(engine, "0001")
        assert both_readings(engine) == ("0001", "0001")
        upgrade(engine)
        assert both_readings(engine) == (head_revision(), head_revision())
        downgrade(engine, "base")
        assert both_readings(engine) == (None, None)  # the version table is left empty
    finally:
        engine.dispose()


def both_readings(engine: sa.Engine) -> tuple[str | None, str | None]:
    """The database's revision as read here and as Alembic reads it."""
    with engine.connect() as conn:
        alembics = MigrationContext.configure(conn).get_current_revision()
    return current_revision(engine), alembics
