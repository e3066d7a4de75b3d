"""Frontier per crawl scope: key (scope, url_key), pass number, rebuildable request; scopes table.

The 0001 frontier (one row per URL, no logic used it yet) is rebuilt: rows are copied with
the scope ``''`` and pass 0. A downgrade copies them back, one row per URL (the first scope's
when several scopes recorded one URL); scope, pass and request have no place there.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KEY = sa.String(512)
#: Columns both layouts have, copied across.
COMMON = (
    "url_key, url, source, kind, state, lease_expires_at, attempts, last_error, run_id, updated_at"
)
OLD_INDEXES = (
    ("ix_frontier_source_state", ["source", "state"]),
    ("ix_frontier_state_lease_expires_at", ["state", "lease_expires_at"]),
)
NEW_INDEXES = (("ix_frontier_scope_state", ["scope", "state"]), *OLD_INDEXES)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _frontier_columns(scoped: bool) -> list[SchemaItem]:
    """The frontier's columns and constraints, in the 0003 layout or (``scoped=False``) 0001's."""
    key = ["scope", "url_key"] if scoped else ["url_key"]
    items: list[SchemaItem] = [
        *([sa.Column("scope", sa.String(255), nullable=False)] if scoped else []),
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        *([sa.Column("epoch", sa.Integer(), server_default="0", nullable=False)] if scoped else []),
        _when("lease_expires_at", nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        *([sa.Column("request", JSON)] if scoped else []),
        sa.Column("run_id", BIG_ID),
        _when("updated_at"),
        sa.PrimaryKeyConstraint(*key, name="pk_frontier"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name="fk_frontier_run_id_crawl_runs", ondelete="SET NULL"
        ),
        sa.CheckConstraint(
            "kind IN ('article', 'listing', 'feed', 'sitemap')", name="ck_frontier_kind"
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'in_progress', 'done', 'failed')", name="ck_frontier_state"
        ),
    ]
    return items


def _set_aside(indexes: tuple[tuple[str, list[str]], ...]) -> None:
    """Rename ``frontier`` to ``frontier_old``, freeing its index and key names."""
    for name, _ in indexes:
        op.drop_index(name, table_name="frontier")
    op.rename_table("frontier", "frontier_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE frontier_old RENAME CONSTRAINT pk_frontier TO pk_frontier_old")


def _create(scoped: bool, indexes: tuple[tuple[str, list[str]], ...]) -> None:
    op.create_table("frontier", *_frontier_columns(scoped))
    for name, columns in indexes:
        op.create_index(name, "frontier", columns)


def upgrade() -> None:
    _set_aside(OLD_INDEXES)
    _create(scoped=True, indexes=NEW_INDEXES)
    op.execute(
        f"INSERT INTO frontier (scope, epoch, {COMMON}) SELECT '', 0, {COMMON} FROM frontier_old"
    )
    op.drop_table("frontier_old")
    op.create_table(
        "frontier_scopes",
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("run_id", BIG_ID),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("scope", name="pk_frontier_scopes"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_runs.id"],
            name="fk_frontier_scopes_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
    )


def downgrade() -> None:
    op.drop_table("frontier_scopes")
    _set_aside(NEW_INDEXES)
    _create(scoped=False, indexes=OLD_INDEXES)
    # One row per URL: the first scope's (scopes sort before one another deterministically).
    # A join on the grouped first scopes, not a subquery per row: that one scanned the whole
    # table for every row (the key starts with the scope), hours for 100,000 URLs.
    columns = ", ".join(f"f.{name.strip()}" for name in COMMON.split(","))
    op.execute(
        f"INSERT INTO frontier ({COMMON}) SELECT {columns} FROM frontier_old AS f "
        "JOIN (SELECT url_key, min(scope) AS scope FROM frontier_old GROUP BY url_key) AS earliest "
        "ON earliest.url_key = f.url_key AND earliest.scope = f.scope"
    )
    op.drop_table("frontier_old")
