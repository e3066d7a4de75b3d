"""The extraction engine: `extract_article` turns one HTML page into one `Article`.

`extract_article` (with trafilatura, dateparser and their data) is imported at its first
use, so that the crawl process, which only hands pages to the extraction workers, does not
hold the engine in memory; the workers import it when they start.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from crawler import __version__
from crawler.extraction.decode import (
    DocumentTooLarge,
    EmptyDocument,
    ExtractionError,
    NotHtml,
    TooComplex,
)
from crawler.extraction.options import ExtractionOptions, SiteOverrides

if TYPE_CHECKING:
    from crawler.extraction.article import extract_article

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


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from crawler.extraction.article import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
