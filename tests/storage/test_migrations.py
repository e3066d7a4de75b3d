"""Migrations: from an empty database, from the previous revision with data, and back down."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crawler.storage import DatabaseUnavailable, open_database
from crawler.storage.engine import make_engine
from crawler.storage.migrate import current_revision, head_revision, upgrade
from crawler.storage.models import Base
from tests.storage.builders import body_text, make_item

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if d[0] != "remove_table"]


def indexes(engine: sa.Engine, table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(engine).get_indexes(table) if ix["name"]}


def test_a_new_database_gets_the_whole_schema(db_url: str) -> None:
    database = open_database(db_url)
    try:
        assert database.schema_revision() == head_revision()
        assert schema_differences(database.engine) == []
    finally:
        database.close()


def test_an_upgrade_from_the_previous_revision_keeps_the_data(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        assert indexes(engine, "article_urls") == set()
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO crawl_runs (spider, sources, started_at, status, stats) "
                    "VALUES ('site', '[]', :now, 'completed', '{}')"
                ),
                {"now": NOW},
            )
    finally:
        engine.dispose()
    database = open_database(db_url)
    try:
        assert database.schema_revision() == head_revision()
        assert "ix_article_urls_article_id" in indexes(database.engine, "article_urls")
        assert [run.status for run in database.recent_runs()] == ["completed"]
        assert database.store_batch([make_item("https://example.com/a", body_text(1))]).stored == 1
        assert schema_differences(database.engine) == []
    finally:
        database.close()


def test_downgrade_and_upgrade_again_keep_rows(db_url: str) -> None:
    database = open_database(db_url)
    try:
        database.store_batch(
            [make_item(f"https://example.com/{i}", body_text(i)) for i in range(5)]
        )
        database.downgrade("0001")
        assert "ix_articles_first_seen" not in indexes(database.engine, "articles")
        database.upgrade()
        with database.read() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM articles")) == 5
        database.downgrade("base")
        assert "articles" not in sa.inspect(database.engine).get_table_names()
    finally:
        database.close()


def test_a_schema_newer_than_the_code_is_refused(db_url: str) -> None:
    open_database(db_url).close()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="revision 9999, newer than this crawler"):
        open_database(db_url)


def test_processes_migrating_one_new_sqlite_file_at_once_all_succeed(sqlite_url: str) -> None:
    script = (
        "import sys; from crawler.storage import open_database; open_database(sys.argv[1]).close()"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, sqlite_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], errors
    engine = make_engine(sqlite_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
