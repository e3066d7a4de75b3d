"""What a crawl is doing: counts read from Scrapy stats, a live progress line, the summary table."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol, Self

from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


@dataclass(frozen=True, slots=True)
class CrawlCounts:
    """The numbers a newsroom watches, from one crawler's stats.

    ``pages``: pages the spider received (feeds and sitemaps included, robots.txt not);
    ``duplicate``: stored as a duplicate of another article or merged into one;
    ``unchanged``: articles already stored, seen again with nothing changed;
    ``dropped``: refused by a pipeline; ``errors``: failed fetches, failed extractions and
    spider exceptions; ``lost``: items that could not be stored.
    """

    pages: int = 0
    stored: int = 0
    updated: int = 0
    duplicate: int = 0
    unchanged: int = 0
    dropped: int = 0
    errors: int = 0
    lost: int = 0

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> Self:
        def value(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        return cls(
            pages=value("news/pages/fetched"),
            stored=value("news/store/stored"),
            updated=value("news/store/updated"),
            duplicate=value("news/store/duplicate") + value("news/store/merged"),
            unchanged=value("news/store/unchanged"),
            dropped=sum(int(v) for k, v in stats.items() if k.startswith("dropped/")),
            errors=value("news/fetch/failed")
            + value("news/extract/failed")
            + value("spider_exceptions/count"),
            lost=value("news/store/lost"),
        )


class ProgressReporter:
    """Extension: one progress line on stderr every few seconds while a spider runs.

    Settings: ``CRAWLER_PROGRESS`` (off by default; ``crawler crawl`` turns it on unless
    ``--quiet``) and ``CRAWLER_PROGRESS_INTERVAL`` (seconds, 5).
    """

    def __init__(self, stats: StatsCollector, interval: float, stream: IO[str]) -> None:
        self.stats = stats
        self.interval = interval
        self.stream = stream
        self.label = ""
        self._task: Any = None
        self._last = (time.monotonic(), 0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CRAWLER_PROGRESS"):
            raise NotConfigured
        reporter = cls(
            crawler.stats, crawler.settings.getfloat("CRAWLER_PROGRESS_INTERVAL", 5.0), sys.stderr
        )
        crawler.signals.connect(reporter.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.spider_closed, signal=signals.spider_closed)
        return reporter

    def spider_opened(self, spider: Spider) -> None:
        self.label = crawl_label(spider.name, getattr(spider, "source", None))
        self._last = (time.monotonic(), 0)
        self._task = create_looping_call(self.report)
        self._task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def report(self) -> None:
        """Print the current counts and the page rate since the previous line."""
        counts = CrawlCounts.from_stats(self.stats.get_stats())
        now = time.monotonic()
        then, pages_then = self._last
        rate = (counts.pages - pages_then) / max(now - then, 1e-9)
        self._last = (now, counts.pages)
        print(
            f"[{self.label}] {counts.pages} pages ({rate:.1f}/s) | stored {counts.stored}, "
            f"updated {counts.updated}, duplicate {counts.duplicate}, dropped {counts.dropped} "
            f"| errors {counts.errors}",
            file=self.stream,
            flush=True,
        )


def crawl_label(spider: str, source: str | None) -> str:
    """``source (spider)`` or the spider's name alone."""
    return f"{source} ({spider})" if source else spider


class SummaryRow(Protocol):
    """What the summary table needs of one crawl (`crawler.crawl.CrawlSummary` has it)."""

    @property
    def label(self) -> str: ...
    @property
    def counts(self) -> CrawlCounts: ...
    @property
    def duration(self) -> float: ...
    @property
    def finish_reason(self) -> str: ...
    @property
    def problem(self) -> str | None: ...


_COLUMNS = ("pages", "stored", "updated", "duplicate", "unchanged", "dropped", "errors", "lost")


def summary_table(rows: Sequence[SummaryRow]) -> str:
    """A plain-text table, one line per crawl, then one line per crawl that failed."""
    header = ("crawl", *_COLUMNS, "seconds", "finish")
    lines = [
        (
            row.label,
            *(str(getattr(row.counts, c)) for c in _COLUMNS),
            f"{row.duration:.1f}",
            row.finish_reason,
        )
        for row in rows
    ]
    if len(rows) > 1:
        totals = [sum(getattr(r.counts, c) for r in rows) for c in _COLUMNS]
        seconds = max(r.duration for r in rows)
        lines.append(("total", *map(str, totals), f"{seconds:.1f}", ""))
    widths = [max(len(cells[i]) for cells in (header, *lines)) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(width) if i in (0, len(cells) - 1) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()
        for cells in (header, *lines)
    ]
    text += [f"{row.label}: {row.problem}" for row in rows if row.problem]
    return "\n".join(text)
