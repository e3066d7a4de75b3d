"""Where the crawl process's memory grows with crawl size: tracemalloc snapshots, diffed.

Runs the real ``crawler crawl --sitemap`` (the console script's ``main``, in a child
process) against the bench site once per ``--sizes``,
with the throughput bench's settings. A Scrapy extension of this module, added to the
project's extensions in that child only, starts ``tracemalloc`` when the spider opens
(imports and start-up are not traced), reads the traced memory every ``--every``
responses and keeps the snapshot of the moment it peaked; it also logs, at each look, the
process's RSS, the scheduler's pending requests and the dupe filter's fingerprints. The
peak snapshots of the smallest and the largest crawl are then diffed by source: the most
recent frame in the project's code (``crawler/``, ``spiders/``, ``pipelines/``) and the
allocation site, with bytes per extra page. Tracing slows the crawl process several-fold;
the figures are for finding sources, RSS is for the throughput bench.

    python bench/memgrowth.py [--sizes 2000,8000] [--every 250] [--top 25] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import psutil

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Frames kept per traced allocation: enough to reach the project's caller of Scrapy.
FRAMES = 8
_PROJECT = ("/crawler/", "/spiders/", "/pipelines/")
_EXTENSION = "memgrowth.PeakSnapshots"


class PeakSnapshots:
    """Scrapy extension (bench only): the traced snapshot of the peak, and a memory log.

    Settings: ``MEMGROWTH_DIR`` (where ``peak.snapshot`` and ``log.jsonl`` go) and
    ``MEMGROWTH_EVERY`` (responses between looks).
    """

    def __init__(self, crawler: Crawler, out: Path, every: int) -> None:
        self.crawler = crawler
        self.out = out
        self.every = max(1, every)
        self.responses = 0
        self.peak = 0
        self.process = psutil.Process()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy import signals

        out = Path(crawler.settings.get("MEMGROWTH_DIR"))
        extension = cls(crawler, out, crawler.settings.getint("MEMGROWTH_EVERY", 250))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        tracemalloc.start(FRAMES)

    def response_received(self) -> None:
        self.responses += 1
        if self.responses % self.every == 0:
            self.look()

    def spider_closed(self) -> None:
        self.look()

    def look(self) -> None:
        traced, _ = tracemalloc.get_traced_memory()
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        dupefilter = getattr(scheduler, "df", None)
        line = {
            "responses": self.responses,
            "traced_mb": round(traced / 2**20, 2),
            "rss_mb": round(self.process.memory_info().rss / 2**20, 1),
            "scheduled": len(scheduler) if scheduler is not None else None,
            "fingerprints": len(getattr(dupefilter, "fingerprints", ())),
        }
        with (self.out / "log.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")
        if traced > self.peak:
            self.peak = traced
            tracemalloc.take_snapshot().dump(str(self.out / "peak.snapshot"))


def child(out: Path, every: int, crawl_args: list[str]) -> int:
    """The crawl, traced: ``crawler crawl`` with `PeakSnapshots` among the extensions."""
    import crawler.settings as project
    from crawler.cli import main

    project.EXTENSIONS[_EXTENSION] = 1000
    settings = [f"MEMGROWTH_DIR={out}", f"MEMGROWTH_EVERY={every}"]
    return main([*crawl_args, *(arg for s in settings for arg in ("-s", s))])


def crawl(base_url: str, size: int, work: Path, every: int) -> Path:
    """One traced crawl of ``size`` articles into a new SQLite file: its output folder."""
    from benchsite import sitemap_path
    from throughput import BENCH_SETTINGS

    out = work / f"crawl-{size}"
    out.mkdir()
    args = ["crawl", "--sitemap", f"{base_url}{sitemap_path(size)}", "--quiet"]
    args += ["--db", f"sqlite:///{out / 'crawl.db'}", "--log-file", str(out / "crawl.log")]
    for name, value in BENCH_SETTINGS.items():
        args += ["-s", f"{name}={value}"]
    command = [sys.executable, __file__, "--child", str(out), "--every", str(every), "--", *args]
    subprocess.run(command, check=True)
    return out


def source_of(traceback: tracemalloc.Traceback) -> tuple[str, str]:
    """(most recent project frame, allocation site), each as ``path:line``."""
    frames = list(traceback)  # oldest first
    site = _where(frames[-1])
    ours = [f for f in frames if any(p in f.filename for p in _PROJECT)]
    return (_where(ours[-1]) if ours else "(no project frame)"), site


def _where(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for marker in ("site-packages/", "/lib/python3", *_PROJECT):
        if marker in name:
            name = name[name.index(marker) + (0 if marker in _PROJECT else len(marker)) :]
            break
    return f"{name.lstrip('/')}:{frame.lineno}"


def growth(small: Path, large: Path) -> list[tuple[tuple[str, str], int, int]]:
    """(source, bytes grown, blocks grown) from the smaller crawl's peak to the larger's."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    before = tracemalloc.Snapshot.load(str(small / "peak.snapshot"))
    after = tracemalloc.Snapshot.load(str(large / "peak.snapshot"))
    for stat in after.compare_to(before, "traceback"):
        total = totals[source_of(stat.traceback)]
        total[0] += stat.size_diff
        total[1] += stat.count_diff
    return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda r: -r[1])


def _log(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def report(sizes: list[int], outs: list[Path], top: int) -> str:
    lines = ["crawl process, per crawl (at the traced peak / largest seen):"]
    for size, out in zip(sizes, outs, strict=True):
        log = _log(out)
        peak = max(log, key=lambda e: e["traced_mb"])
        lines.append(
            f"  {size:>6} pages: traced peak {peak['traced_mb']:.1f} MB at response "
            f"{peak['responses']} (scheduled {peak['scheduled']}, fingerprints "
            f"{peak['fingerprints']}); RSS max {max(e['rss_mb'] for e in log):.1f} MB; "
            f"scheduled max {max(e['scheduled'] or 0 for e in log)}"
        )
    extra = sizes[-1] - sizes[0]
    rows = growth(outs[0], outs[-1])
    total = sum(r[1] for r in rows)
    lines.append(
        f"growth of the traced peak, {sizes[0]} -> {sizes[-1]} pages: "
        f"{total / 2**20:+.2f} MB ({total / extra:+.0f} B per extra page)"
    )
    lines.append(f"  {'MB':>7} {'B/page':>7} {'blocks':>8}  project frame  <-  allocation site")
    for (owner, site), size, count in rows[:top]:
        lines.append(
            f"  {size / 2**20:+7.2f} {size / extra:+7.0f} {count:+8d}  {owner}  <-  {site}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,8000", help="crawl sizes, comma-separated")
    parser.add_argument("--every", type=int, default=250, help="responses between looks")
    parser.add_argument("--top", type=int, default=25, help="sources listed")
    parser.add_argument("--keep", type=Path, help="keep snapshots and logs in this folder")
    parser.add_argument("--generated", action="store_true", help="generated pages only")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child is not None:
        return child(args.child, args.every, rest[1:] if rest[:1] == ["--"] else rest)
    from benchsite import BenchSite
    from pages import BENCHMARK_DIR

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    data = None if args.generated or not (BENCHMARK_DIR / "html").is_dir() else BENCHMARK_DIR
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-memgrowth-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with BenchSite(pages=max(sizes), data=data) as site:
            outs = [crawl(site.base_url, size, work, args.every) for size in sizes]
        print(report(sizes, outs, args.top))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
