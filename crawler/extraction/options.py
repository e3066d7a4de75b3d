"""Extraction options: one typed value instead of a dozen flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class SiteOverrides:
    """Per-site selectors for a template that defeats the generic extractor.

    Each value is a CSS selector, or an XPath expression when it starts with ``/`` or
    ``(``. A field given here wins over every other layer (provenance ``site-override``).
    """

    byline: str | None = None
    date: str | None = None
    body: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ExtractionOptions:
    """How to extract one page.

    Fields:
        timezone: IANA zone for pages that print a wall-clock time with no zone; when
            None such times are kept as printed and marked ``assumed-UTC``.
        languages: language codes to try for visible dates; None = the page's language
            (``<html lang>``) plus English.
        date_order: ``DMY`` / ``MDY`` / ``YMD`` for numeric dates such as ``01/02/2024``;
            None leaves an ambiguous numeric date null (flag ``date_ambiguous``).
        overrides: per-site selectors (from the sources file).
        favor_precision: passed to trafilatura.
        max_html_bytes: larger documents are refused with ``DocumentTooLarge``.
        max_tree_elements: parsed trees with more elements are refused (``too_complex``).
        collect_links: fill ``Article.links`` (for spiders that follow links); False
            leaves it empty and saves reading the page's anchors.
    """

    timezone: str | None = None
    languages: tuple[str, ...] | None = None
    date_order: Literal["DMY", "MDY", "YMD"] | None = None
    overrides: SiteOverrides = field(default_factory=SiteOverrides)
    favor_precision: bool = False
    max_html_bytes: int = 8 * 1024 * 1024
    max_tree_elements: int = 200_000
    collect_links: bool = True
