"""MinHash signatures: bit for bit those datasketch made, so stored signatures stay comparable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.minhash import minhash_signature
from crawler.storage.neardup import DEFAULT_LSH, LshParams, band_keys

#: Signatures made by datasketch 2.0.0 before it was replaced (see the file's ``_about``).
GOLDEN = json.loads(Path(__file__).with_name("minhash_golden.json").read_text())["signatures"]
BODIES = {
    "empty": "",
    "one_word": "Breaking",
    "shorter_than_a_shingle": "Three short words",
    "paragraph": (
        "The city council approved the budget on Tuesday after a long debate about the harbour "
        "bridge, the new library and the price of water. The minister said the report would be "
        "published next week; the union called a strike for Friday."
    ),
    "unicode": (
        "Le conseil municipal a voté le budget mardi. Совет утвердил бюджет во вторник. "
        "市议会周二批准了预算。 Ελληνικά κείμενα και ﬁ ligatures, ÉCOLE et école, straße STRASSE."
    ),
    "over_max_words": " ".join(f"word{i * 7919 % 10007}" for i in range(12_000)),
}
OTHER_SHAPE = LshParams(num_perm=64, bands=8, rows=8, seed=42, shingle=3)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_signatures_equal_those_datasketch_made(name: str) -> None:
    signature = minhash_signature(BODIES[name])
    assert signature.dtype == "<u4" and signature.shape == (DEFAULT_LSH.num_perm,)
    assert signature.tobytes().hex() == GOLDEN[name]


def test_another_shape_follows_its_seed_and_size() -> None:
    signature = minhash_signature(BODIES["paragraph"], OTHER_SHAPE)
    assert signature.tobytes().hex() == GOLDEN["paragraph_perm64_seed42_shingle3"]
    assert signature.tobytes() != minhash_signature(BODIES["paragraph"]).tobytes()[:256]
    assert len(band_keys(signature.tobytes(), OTHER_SHAPE)) == OTHER_SHAPE.bands
