"""Body-extraction quality and speed, ours beside plain trafilatura on the same pages.

1. The article-extraction-benchmark pages, with that benchmark's own metric: 4-gram
   shingles of ``\\w+`` tokens, per-page true/false positives and false negatives normalised
   to sum 1, precision and recall averaged over pages, F1 of the two averages; ``accuracy``
   is an exact token-sequence match. CPU milliseconds per page are measured in the worker
   process (``time.process_time``).
2. The metadata pages' body snippets (trafilatura's own evaluation style): a ``with``
   snippet found in the body is a true positive, missing a false negative; a ``without``
   snippet found is a false positive. Whitespace is normalised before matching.
3. ``bench/metadata_eval.py`` (author/date accuracy), when it exists.

    python bench/extraction.py [--data DIR] [--metadata-data DIR] [--jobs N] [--limit N]
                               [--worst N] [--no-snippets] [--no-metadata]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

from crawler.extraction import ExtractionError, ExtractionOptions, extract_article

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "bench" / "article-extraction-benchmark"
DEFAULT_SNIPPET_DATA = REPO.parent / "shared" / "bench" / "metadata"
#: Any instant after the pages were saved; only relative dates depend on it.
FETCHED_AT = datetime(2020, 1, 1, tzinfo=UTC)
_TOKEN = re.compile(r"\w+")


def _ours(options: ExtractionOptions) -> Callable[[bytes | str, str], str]:
    def run(html: bytes | str, url: str) -> str:
        try:
            return extract_article(html, url, FETCHED_AT, options).body
        except ExtractionError:
            return ""

    return run


def _plain(**kwargs: bool) -> Callable[[bytes | str, str], str]:
    def run(html: bytes | str, url: str) -> str:
        return trafilatura.extract(html, include_comments=False, **kwargs) or ""

    return run


#: Name -> extractor(html, url) -> body text.
METHODS: dict[str, Callable[[bytes | str, str], str]] = {
    "extract_article": _ours(ExtractionOptions()),
    "extract_article favor_precision": _ours(ExtractionOptions(favor_precision=True)),
    "trafilatura.extract": _plain(),
    "trafilatura.extract favor_precision": _plain(favor_precision=True),
    "trafilatura.extract fast": _plain(fast=True),
}


@dataclass(frozen=True, slots=True)
class PageScore:
    """One method on one page: normalised TP/FP/FN, exact match, CPU time."""

    page: str
    tp: float
    fp: float
    fn: float
    exact: bool
    cpu_ms: float


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``size``-token shingles; a text shorter than ``size`` is one shingle."""
    tokens = _TOKEN.findall(text)
    count = max(1, len(tokens) - size + 1)
    return Counter(tuple(tokens[i : i + size]) for i in range(count) if tokens[i : i + size])


def match(truth: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of predicted shingles against the truth's."""
    want, got = shingles(truth), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    """Per-page precision as the benchmark defines it (both empty = 1)."""
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def recall(tp: float, fp: float, fn: float) -> float:
    """Per-page recall as the benchmark defines it (both empty = 1)."""
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def summarize(scores: list[PageScore]) -> dict[str, float]:
    """Averaged precision/recall, their F1, exact-match share and CPU ms per page."""
    p = statistics.mean(precision(s.tp, s.fp, s.fn) for s in scores if s.tp + s.fp > 0)
    r = statistics.mean(recall(s.tp, s.fp, s.fn) for s in scores if s.tp + s.fn > 0)
    cpu = sorted(s.cpu_ms for s in scores)
    return {
        "f1": 2 * p * r / (p + r),
        "precision": p,
        "recall": r,
        "accuracy": statistics.mean(float(s.exact) for s in scores),
        "cpu_ms_mean": statistics.mean(cpu),
        "cpu_ms_p95": cpu[int(0.95 * (len(cpu) - 1))],
    }


def score_page(job: tuple[str, str, str, str, tuple[str, ...]]) -> dict[str, PageScore]:
    """Run each named method on one page (in a worker process)."""
    page, html, url, truth, names = job
    result = {}
    for name in names:
        start = time.process_time()
        body = METHODS[name](html, url)
        cpu_ms = (time.process_time() - start) * 1000
        tp, fp, fn = match(truth, body)
        exact = _TOKEN.findall(truth) == _TOKEN.findall(body)
        result[name] = PageScore(page, tp, fp, fn, exact, cpu_ms)
    return result


def load_jobs(data: Path, names: tuple[str, ...], limit: int | None) -> list[tuple]:
    """(page id, html, url, true body, method names) for each benchmark page."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    jobs = []
    for page in sorted(truth)[:limit]:
        with gzip.open(data / "html" / f"{page}.html.gz", "rt", encoding="utf-8") as handle:
            html = handle.read()
        jobs.append((page, html, truth[page]["url"], truth[page]["articleBody"], names))
    return jobs


def table(results: dict[str, list[PageScore]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| method | F1 | precision | recall | accuracy | CPU ms/page (mean) | p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, scores in results.items():
        s = summarize(scores)
        lines.append(
            f"| {name} | {s['f1']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | "
            f"{s['accuracy']:.3f} | {s['cpu_ms_mean']:.0f} | {s['cpu_ms_p95']:.0f} |"
        )
    return "\n".join(lines)


def worst_pages(scores: list[PageScore], count: int) -> str:
    """The ``count`` pages with the lowest per-page F1, for error analysis."""

    def f1(s: PageScore) -> float:
        p, r = precision(s.tp, s.fp, s.fn), recall(s.tp, s.fp, s.fn)
        return 2 * p * r / (p + r) if p + r else 0.0

    rows = sorted(scores, key=f1)[:count]
    return "\n".join(
        f"{s.page[:16]}  F1 {f1(s):.3f}  P {precision(s.tp, s.fp, s.fn):.3f}  "
        f"R {recall(s.tp, s.fp, s.fn):.3f}"
        for s in rows
    )


@dataclass(frozen=True, slots=True)
class SnippetJob:
    """One metadata page: its bytes, URL, the snippets its body must and must not hold."""

    html: bytes
    url: str
    wanted: tuple[str, ...]
    unwanted: tuple[str, ...]
    names: tuple[str, ...]


def load_snippet_jobs(data: Path, names: tuple[str, ...], limit: int | None) -> list[SnippetJob]:
    """A job for each metadata page with at least one snippet."""
    jobs = []
    with (data / "truth.jsonl").open(encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle if line.strip()]
    for entry in entries[:limit]:
        wanted, unwanted = tuple(entry.get("with") or ()), tuple(entry.get("without") or ())
        if wanted or unwanted:
            html = gzip.decompress((data / "pages" / entry["page"]).read_bytes())
            jobs.append(SnippetJob(html, entry["url"], wanted, unwanted, names))
    return jobs


def score_snippets(job: SnippetJob) -> dict[str, tuple[int, int, int, int]]:
    """(tp, fn, fp, tn) of each method on one page (in a worker process)."""
    result = {}
    for name in job.names:
        body = _spaced(METHODS[name](job.html, job.url))
        found = sum(_spaced(s) in body for s in job.wanted)
        leaked = sum(_spaced(s) in body for s in job.unwanted)
        result[name] = (found, len(job.wanted) - found, leaked, len(job.unwanted) - leaked)
    return result


def snippet_table(totals: dict[str, list[int]], pages: int) -> str:
    """Snippet precision/recall/F1/accuracy per method as a Markdown table."""
    lines = [
        f"body snippets on {pages} metadata pages (with = must be in the body, "
        "without = must not)\n",
        "| method | F1 | precision | recall | accuracy |",
        "|---|---|---|---|---|",
    ]
    for name, (tp, fn, fp, tn) in totals.items():
        p, r = tp / (tp + fp), tp / (tp + fn)
        lines.append(
            f"| {name} | {2 * p * r / (p + r):.3f} | {p:.3f} | {r:.3f} | "
            f"{(tp + tn) / (tp + fn + fp + tn):.3f} |"
        )
    return "\n".join(lines)


def _spaced(text: str) -> str:
    return " ".join(text.split())


def main() -> int:
    """Run the benchmark and print the table (plus the metadata evaluation if present)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--metadata-data", type=Path, default=DEFAULT_SNIPPET_DATA)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of ours")
    parser.add_argument("--no-snippets", action="store_true", help="skip the snippet check")
    parser.add_argument("--no-metadata", action="store_true", help="skip metadata_eval.py")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").is_file():
        print(f"benchmark data not found in {args.data}", file=sys.stderr)
        return 2
    jobs = load_jobs(args.data, tuple(args.methods), args.limit)
    results: dict[str, list[PageScore]] = {name: [] for name in args.methods}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for page_scores in pool.map(score_page, jobs, chunksize=4):
            for name, score in page_scores.items():
                results[name].append(score)
    print(f"article-extraction-benchmark: {len(jobs)} pages\n")
    print(table(results))
    if args.worst:
        first = args.methods[0]
        print(f"\nworst pages of {first}:\n{worst_pages(results[first], args.worst)}")
    if not args.no_snippets and (args.metadata_data / "truth.jsonl").is_file():
        snippet_jobs = load_snippet_jobs(args.metadata_data, tuple(args.methods), args.limit)
        totals = {name: [0, 0, 0, 0] for name in args.methods}
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for page in pool.map(score_snippets, snippet_jobs, chunksize=8):
                for name, counts in page.items():
                    totals[name] = [a + b for a, b in zip(totals[name], counts, strict=True)]
        print("\n" + snippet_table(totals, len(snippet_jobs)))
    metadata_eval = REPO / "bench" / "metadata_eval.py"
    if metadata_eval.is_file() and not args.no_metadata:
        print()
        return subprocess.call([sys.executable, str(metadata_eval)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
