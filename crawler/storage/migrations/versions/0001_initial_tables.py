"""Initial tables: articles, URL variants, revisions, LSH bands, runs, leases, validators, frontier.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KEY = sa.String(512)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("site_name", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("byline", sa.Text()),
        sa.Column("authors", JSON, nullable=False),
        _when("published_at", nullable=True),
        sa.Column("published_offset_minutes", sa.Integer()),
        sa.Column("published_tz", sa.String(16)),
        sa.Column("published_raw", sa.Text()),
        _when("modified_at", nullable=True),
        sa.Column("modified_offset_minutes", sa.Integer()),
        sa.Column("modified_raw", sa.Text()),
        sa.Column("language", sa.String(16)),
        sa.Column("description", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("image_url", sa.Text()),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("duplicate_of", BIG_ID),
        sa.Column("source", sa.String(255)),
        _when("first_seen"),
        _when("last_seen"),
        _when("fetched_at"),
        sa.Column("extractor_version", sa.String(64), nullable=False),
        sa.Column("provenance", JSON, nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("url_key", name="uq_articles_url_key"),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["articles.id"],
            name="fk_articles_duplicate_of_articles",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "published_tz IN ('stated', 'source-timezone', 'assumed-UTC')",
            name="ck_articles_published_tz",
        ),
    )
    op.create_table(
        "article_urls",
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", BIG_ID, nullable=False),
        _when("first_seen"),
        sa.PrimaryKeyConstraint("url_key", name="pk_article_urls"),
        _article_fk("article_urls"),
    )
    op.create_table(
        "article_revisions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("article_id", BIG_ID, nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _when("modified_at", nullable=True),
        _when("fetched_at"),
        _when("replaced_at"),
        sa.PrimaryKeyConstraint("id", name="pk_article_revisions"),
        _article_fk("article_revisions"),
    )
    op.create_table(
        "article_lsh_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("band_key", "article_id", name="pk_article_lsh_bands"),
        _article_fk("article_lsh_bands"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("spider", sa.String(255), nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("sources", JSON, nullable=False),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stats", JSON, nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in ("stored", "updated", "duplicate", "dropped", "failed")
        ),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'interrupted', 'db_unavailable')",
            name="ck_crawl_runs_status",
        ),
    )
    op.create_table(
        "source_leases",
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        _when("acquired_at"),
        _when("expires_at"),
        sa.PrimaryKeyConstraint("source", name="pk_source_leases"),
    )
    op.create_table(
        "http_validators",
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("status", sa.Integer()),
        _when("fetched_at"),
        sa.PrimaryKeyConstraint("url_key", name="pk_http_validators"),
    )
    op.create_table(
        "frontier",
        sa.Column("url_key", KEY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _when("lease_expires_at", nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("run_id", BIG_ID),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("url_key", name="pk_frontier"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name="fk_frontier_run_id_crawl_runs", ondelete="SET NULL"
        ),
        sa.CheckConstraint(
            "kind IN ('article', 'listing', 'feed', 'sitemap')", name="ck_frontier_kind"
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'in_progress', 'done', 'failed')", name="ck_frontier_state"
        ),
    )


def downgrade() -> None:
    for table in (
        "frontier",
        "http_validators",
        "source_leases",
        "crawl_runs",
        "article_lsh_bands",
        "article_revisions",
        "article_urls",
        "articles",
    ):
        op.drop_table(table)


def _article_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["article_id"],
        ["articles.id"],
        name=f"fk_{table}_article_id_articles",
        ondelete="CASCADE",
    )
