"""Choose the MinHash-LSH shape: recall and false positives of edited copies of real article bodies.

Reads bodies from ``../shared/bench/article-extraction-benchmark/ground-truth.json`` (relative to
the repo root) and makes edited copies of each (wire-copy taglines, dropped paragraphs, replaced
words) so that true Jaccard similarities on word shingles spread over 0.3-1.0. For each LSH
shape it prints how many copies with true Jaccard >= 0.85 / 0.8-0.85 / 0.7-0.8 / < 0.7 are
flagged as duplicates (candidate by a shared band, then estimated Jaccard >= threshold), the CPU
time per signature, and the band rows stored per article.

    .venv/bin/python bench/neardup_params.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from crawler.minhash import minhash_signature
from crawler.storage.neardup import LshParams, band_keys, estimated_jaccard
from crawler.storage.neardup import shingles as make_shingles

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT.parent / "shared" / "bench" / "article-extraction-benchmark" / "ground-truth.json"
SHAPES = [
    LshParams(num_perm=64, bands=8, rows=8),
    LshParams(num_perm=64, bands=16, rows=4),
    LshParams(num_perm=128, bands=16, rows=8),
    LshParams(num_perm=128, bands=32, rows=4),
    LshParams(num_perm=128, bands=8, rows=16),
    LshParams(num_perm=256, bands=32, rows=8),
]


def edited_copies(body: str, rng: random.Random) -> list[str]:
    """Copies of ``body`` as syndication and light editing produce them."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    words = body.split()
    copies = [
        "By Wire Staff\n" + body + "\nThis story was originally published by a news agency.",
    ]
    for share in (0.05, 0.1, 0.2, 0.3):
        kept = [p for p in paragraphs if rng.random() > share]
        copies.append("\n".join(kept or paragraphs[:1]))
    for share in (0.01, 0.02, 0.04, 0.08):
        changed = [w if rng.random() > share else rng.choice(words) for w in words]
        copies.append(" ".join(changed))
    return copies


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def main() -> None:
    bodies = [v["articleBody"] for v in json.loads(TRUTH.read_text()).values()]
    bodies = [b for b in bodies if len(b.split()) >= 80]
    rng = random.Random(7)
    pairs = [(body, copy) for body in bodies for copy in edited_copies(body, rng)]
    buckets = ((0.85, 1.01), (0.8, 0.85), (0.7, 0.8), (0.0, 0.7))
    print(f"{len(bodies)} bodies, {len(pairs)} edited copies")
    minhash_signature("draws the permutations once, outside the measurements")
    for params in SHAPES:
        truth_counts = dict.fromkeys(buckets, 0)
        flagged = dict.fromkeys(buckets, 0)
        started = time.process_time()
        signatures = {b: minhash_signature(b, params) for b in bodies}
        per_signature = (time.process_time() - started) / len(bodies) * 1000
        for body, copy in pairs:
            true = jaccard(make_shingles(body, params.shingle), make_shingles(copy, params.shingle))
            bucket = next(b for b in buckets if b[0] <= true < b[1])
            truth_counts[bucket] += 1
            left, right = signatures[body], minhash_signature(copy, params)
            candidate = bool(set(band_keys(left, params)) & set(band_keys(right, params)))
            if candidate and estimated_jaccard(left.tobytes(), right.tobytes()) >= params.threshold:
                flagged[bucket] += 1
        cells = "  ".join(
            f"J{lo:.2f}-{min(hi, 1):.2f}: {flagged[(lo, hi)]}/{truth_counts[(lo, hi)]}"
            for lo, hi in buckets
        )
        print(
            f"perm={params.num_perm:3d} b={params.bands:2d} r={params.rows:2d} "
            f"{per_signature:.2f} ms/sig  {cells}"
        )


if __name__ == "__main__":
    main()
