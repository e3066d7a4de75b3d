"""Author and publication-date accuracy on the metadata pages, ours beside plain trafilatura.

Data: ``../shared/bench/metadata/`` relative to the repository root (``truth.jsonl`` and
``pages/<id>.html.gz``). A page whose truth is null for a field is skipped for that field.

How a page is judged:
  * author: the set of ``\\w+`` tokens (NFKC, case-folded) of all predicted names equals the
    set of tokens of all truth names (a list, or one string such as ``A, B`` or ``A and B``).
    Order, separators and joining words (and/und/et/y/e/i) do not count; a missing or extra
    name, a role left in or an empty answer does.
    A lenient figure ("author-contains": every truth token is among the predicted ones) is
    printed beside it for diagnosis only.
  * date: the calendar day of the published date as the page states it (its own offset)
    equals the truth day.

Systems: ``pipeline`` = `crawler.extraction.extract_article` (trafilatura body + our metadata
layers); ``layers`` = our `extract_metadata` alone, without trafilatura's metadata;
``trafilatura`` = ``trafilatura.bare_extraction(with_metadata=True)``. CPU ms per page are
process time of the measured call only (``layers``: `extract_metadata` alone, no parsing).

    python bench/metadata_eval.py [--data DIR] [--systems pipeline,trafilatura] [--jobs N]
                                  [--limit N] [--failures SYSTEM] [--markdown]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "bench" / "metadata"
#: The pages were saved before the corpus commit (2026-08-21); only relative dates use it.
FETCHED_AT = datetime(2026, 8, 21, tzinfo=UTC)
SYSTEMS = ("pipeline", "layers", "trafilatura")
_TOKEN = re.compile(r"\w+")
#: Words that join names in one truth string (``A and B``, ``A und B``); not part of a name.
_CONNECTORS = frozenset({"and", "und", "et", "y", "e", "i"})


@dataclass(frozen=True, slots=True)
class Prediction:
    """What one system said about one page."""

    page_id: str
    authors: tuple[str, ...]
    day: str | None
    cpu_ms: float


@dataclass(frozen=True, slots=True)
class Score:
    """Accuracy of one system over the pages that have truth for each field."""

    system: str
    author_correct: int
    author_contains: int
    author_total: int
    date_correct: int
    date_total: int
    cpu_ms_mean: float
    cpu_ms_median: float
    cpu_ms_p95: float

    @property
    def author_accuracy(self) -> float:
        return self.author_correct / self.author_total if self.author_total else 0.0

    @property
    def date_accuracy(self) -> float:
        return self.date_correct / self.date_total if self.date_total else 0.0


def load_truth(data: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The truth rows, in file order."""
    with (data / "truth.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit] if limit else rows


def name_tokens(names: Iterable[str]) -> frozenset[str]:
    """The comparison form of a set of names: NFKC case-folded ``\\w+`` tokens."""
    text = " ".join(unicodedata.normalize("NFKC", name).casefold() for name in names)
    return frozenset(_TOKEN.findall(text)) - _CONNECTORS


def truth_names(author: str | list[str]) -> list[str]:
    """Truth author as a list of strings."""
    return list(author) if isinstance(author, list) else [author]


def evaluate(
    data: Path = DEFAULT_DATA,
    systems: Sequence[str] = ("pipeline", "trafilatura"),
    jobs: int = 1,
    limit: int | None = None,
) -> tuple[list[Score], dict[str, list[Prediction]]]:
    """Scores for each system, and every prediction (for failure listings)."""
    rows = load_truth(data, limit)
    predictions: dict[str, list[Prediction]] = {}
    for system in systems:
        tasks = [(system, str(data / "pages" / row["page"]), row["url"], row["id"]) for row in rows]
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                predictions[system] = list(pool.map(_predict, tasks, chunksize=8))
        else:
            predictions[system] = [_predict(task) for task in tasks]
    return [_score(system, rows, predictions[system]) for system in systems], predictions


def failures(rows: list[dict[str, Any]], predictions: list[Prediction]) -> Iterable[str]:
    """One line per wrong author or date, for looking at real failures."""
    for row, pred in zip(rows, predictions, strict=True):
        if row["author"] and name_tokens(truth_names(row["author"])) != name_tokens(pred.authors):
            yield f"AUTHOR {row['id']}: truth={row['author']!r} got={list(pred.authors)!r}"
        if row["date"] and pred.day != row["date"]:
            yield f"DATE   {row['id']}: truth={row['date']} got={pred.day}"


def format_table(scores: Sequence[Score], markdown: bool = False) -> str:
    """The side-by-side table."""
    head = ("system", "author acc", "author-contains", "date acc", "CPU ms/page mean/median/p95")
    lines = [
        (
            s.system,
            f"{s.author_accuracy:.3f} ({s.author_correct}/{s.author_total})",
            f"{s.author_contains / s.author_total if s.author_total else 0:.3f}",
            f"{s.date_accuracy:.3f} ({s.date_correct}/{s.date_total})",
            f"{s.cpu_ms_mean:.1f} / {s.cpu_ms_median:.1f} / {s.cpu_ms_p95:.1f}",
        )
        for s in scores
    ]
    if markdown:
        rows = [head, tuple("---" for _ in head), *lines]
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)
    widths = [max(len(row[i]) for row in (head, *lines)) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
                     for row in (head, *lines))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the table (and failures when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--systems", default="pipeline,trafilatura")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--failures", metavar="SYSTEM", help="list wrong pages of SYSTEM")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "truth.jsonl").is_file():
        print(f"metadata benchmark data not found in {args.data}", file=sys.stderr)
        return 2
    systems = [s for s in args.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    scores, predictions = evaluate(args.data, systems, args.jobs, args.limit)
    print(f"metadata pages: {args.data.name}/ ({len(load_truth(args.data, args.limit))} pages)")
    print(
        "author: predicted name tokens == truth name tokens (NFKC, case-folded, \\w+ tokens,"
        " joining words and/und/et/y/e/i ignored); author-contains: truth tokens within ours"
    )
    print("date: published calendar day as stated == truth day; null truth = page skipped")
    print(format_table(scores, args.markdown))
    if args.failures in predictions:
        for line in failures(load_truth(args.data, args.limit), predictions[args.failures]):
            print(line)
    return 0


def _score(system: str, rows: list[dict[str, Any]], predictions: list[Prediction]) -> Score:
    author_correct = author_contains = author_total = date_correct = date_total = 0
    for row, pred in zip(rows, predictions, strict=True):
        if row["author"]:
            truth = name_tokens(truth_names(row["author"]))
            got = name_tokens(pred.authors)
            author_total += 1
            author_correct += got == truth
            author_contains += bool(got) and truth <= got
        if row["date"]:
            date_total += 1
            date_correct += pred.day == row["date"]
    cpu = sorted(p.cpu_ms for p in predictions) or [0.0]
    return Score(
        system, author_correct, author_contains, author_total, date_correct, date_total,
        statistics.fmean(cpu), statistics.median(cpu), cpu[int(0.95 * (len(cpu) - 1))],
    )  # fmt: skip


Answer = tuple[tuple[str, ...], str | None, float]


def _predict(task: tuple[str, str, str, str]) -> Prediction:
    system, path, url, page_id = task
    raw = gzip.decompress(Path(path).read_bytes())
    try:
        authors, day, cpu_ms = _RUNNERS[system](raw, url)
    except Exception as exc:  # noqa: BLE001 - a crash counts as a wrong answer, not a stop
        print(f"{system} failed on {page_id}: {exc!r}", file=sys.stderr)
        authors, day, cpu_ms = (), None, 0.0
    return Prediction(page_id, authors, day, cpu_ms)


def _cpu_ms(start: float) -> float:
    return (time.process_time() - start) * 1000


def _run_pipeline(raw: bytes, url: str) -> Answer:
    """The whole extraction (decode, parse, trafilatura, metadata, body rules)."""
    from crawler.extraction import extract_article

    start = time.process_time()
    article = extract_article(raw, url, FETCHED_AT)
    cpu = _cpu_ms(start)
    day = article.published_at.date().isoformat() if article.published_at else None
    return article.authors, day, cpu


def _run_layers(raw: bytes, url: str) -> Answer:
    """`extract_metadata` alone on a parsed tree (its CPU only: no decoding or parsing)."""
    from crawler.extraction.decode import decode_document, parse_document
    from crawler.extraction.metadata import extract_metadata
    from crawler.extraction.options import ExtractionOptions

    options = ExtractionOptions()
    text, _ = decode_document(raw, None, options.max_html_bytes)
    tree = parse_document(text, options.max_tree_elements)
    start = time.process_time()
    meta = extract_metadata(tree, url, FETCHED_AT, options)
    cpu = _cpu_ms(start)
    return meta.authors, meta.published.value.date().isoformat() if meta.published else None, cpu


def _run_trafilatura(raw: bytes, url: str) -> Answer:
    """Plain ``bare_extraction(with_metadata=True)`` on the decoded page."""
    import trafilatura

    from crawler.extraction.decode import decode_document

    text, _ = decode_document(raw, None, 8 * 1024 * 1024)
    start = time.process_time()
    document = trafilatura.bare_extraction(text, url=url, with_metadata=True)
    cpu = _cpu_ms(start)
    if document is None:
        return (), None, cpu
    author = getattr(document, "author", None) or ""
    names = tuple(name.strip() for name in author.split(";") if name.strip())
    return names, getattr(document, "date", None), cpu


_RUNNERS: dict[str, Callable[[bytes, str], Answer]] = {
    "pipeline": _run_pipeline,
    "layers": _run_layers,
    "trafilatura": _run_trafilatura,
}

if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
