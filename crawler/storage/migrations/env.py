"""Alembic environment: runs on the connection ``crawler.storage.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from crawler.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `crawler db upgrade` (crawler.storage.migrate)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
