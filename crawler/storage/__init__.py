"""Storage of articles in SQLite or PostgreSQL through SQLAlchemy (no Scrapy import here)."""

from crawler.storage.database import Database, open_database
from crawler.storage.engine import DatabaseUnavailable
from crawler.storage.upsert import BatchResult
from crawler.storage.writer import BatchWriter, StorageDown, WriteOutcome

__all__ = [
    "BatchResult",
    "BatchWriter",
    "Database",
    "DatabaseUnavailable",
    "StorageDown",
    "WriteOutcome",
    "open_database",
]
