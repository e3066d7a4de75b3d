"""Alembic migrations of the crawler's schema, applied by ``crawler.storage.migrate``."""
