"""The extraction engine: `extract_article` turns one HTML page into one `Article`."""

from __future__ import annotations

from importlib.metadata import version

from crawler import __version__
from crawler.extraction.article import extract_article
from crawler.extraction.decode import (
    DocumentTooLarge,
    EmptyDocument,
    ExtractionError,
    NotHtml,
    TooComplex,
)
from crawler.extraction.options import ExtractionOptions, SiteOverrides

#: Stored with every article so re-extraction can find pages extracted by older rules.
EXTRACTOR_VERSION = f"{__version__}+traf{version('trafilatura')}"

__all__ = [
    "EXTRACTOR_VERSION",
    "DocumentTooLarge",
    "EmptyDocument",
    "ExtractionError",
    "ExtractionOptions",
    "NotHtml",
    "SiteOverrides",
    "TooComplex",
    "extract_article",
]
