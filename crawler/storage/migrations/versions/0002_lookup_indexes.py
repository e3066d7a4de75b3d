"""Indexes for the lookups made per item, per export and per stats report.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (index name, table, columns)
INDEXES = (
    ("ix_articles_content_hash_domain", "articles", ["content_hash", "domain"]),
    ("ix_articles_domain_first_seen", "articles", ["domain", "first_seen"]),
    ("ix_articles_first_seen", "articles", ["first_seen"]),
    ("ix_articles_duplicate_of", "articles", ["duplicate_of"]),
    ("ix_article_urls_article_id", "article_urls", ["article_id"]),
    ("ix_article_revisions_article_id", "article_revisions", ["article_id"]),
    ("ix_article_lsh_bands_article_id", "article_lsh_bands", ["article_id"]),
    ("ix_crawl_runs_source_started_at", "crawl_runs", ["source", "started_at"]),
    ("ix_crawl_runs_started_at", "crawl_runs", ["started_at"]),
    ("ix_frontier_source_state", "frontier", ["source", "state"]),
    ("ix_frontier_state_lease_expires_at", "frontier", ["state", "lease_expires_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
