"""News ingestion crawler: spiders, extraction and storage of news articles."""

__version__ = "0.1.0"
