"""Body fingerprints: content hash, MinHash signature and LSH band keys for the database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from itertools import islice

import numpy as np

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LshParams:
    """MinHash-LSH shape: ``bands * rows == num_perm``; chosen by ``bench/neardup_params.py``.

    A pair with Jaccard ``s`` becomes a candidate with probability ``1 - (1 - s**rows) ** bands``;
    candidates are then verified by the Jaccard estimated from the stored signatures.
    """

    num_perm: int = 128
    bands: int = 16
    rows: int = 8
    shingle: int = 5
    threshold: float = 0.8
    seed: int = 1
    #: Words of a body that are shingled: bounds CPU and memory for multi-megabyte bodies.
    max_words: int = 10_000

    def __post_init__(self) -> None:
        if self.bands * self.rows != self.num_perm:
            raise ValueError("bands * rows must equal num_perm")


DEFAULT_LSH = LshParams()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What storage keeps about a body to find it again: exactly and approximately."""

    content_hash: str
    signature: bytes
    band_keys: tuple[int, ...]


def normalize_body(body: str) -> str:
    """The body as hashed: NFC, whitespace runs collapsed to one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", body)).strip()


def content_hash(body: str) -> str:
    """sha256 hex of the normalized body: equal for bodies that differ only in whitespace."""
    return hashlib.sha256(normalize_body(body).encode("utf-8", "surrogatepass")).hexdigest()


def shingles(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> set[bytes]:
    """Word ``size``-shingles of the case-folded body's first ``max_words`` words.

    Punctuation and quote style are ignored.
    """
    words = [match.group().casefold() for match in islice(_WORD.finditer(body), max_words)]
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def minhash_signature(body: str, params: LshParams = DEFAULT_LSH) -> np.ndarray:
    """The body's MinHash signature as ``num_perm`` uint32 values."""
    # Imported here: datasketch loads scipy, 0.6 s that commands which never hash should not pay.
    from datasketch import MinHash

    minhash = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine32")
    minhash.update_batch(sorted(shingles(body, params.shingle, params.max_words)))
    return np.asarray(minhash.hashvalues, dtype="<u4")


def band_keys(signature: np.ndarray, params: LshParams = DEFAULT_LSH) -> tuple[int, ...]:
    """One signed 64-bit key per band: the band's index and values hashed together."""
    keys = []
    for band in range(params.bands):
        chunk = signature[band * params.rows : (band + 1) * params.rows]
        digest = hashlib.blake2b(chunk.tobytes(), digest_size=8, person=band.to_bytes(16, "little"))
        keys.append(int.from_bytes(digest.digest(), "little", signed=True))
    return tuple(keys)


def fingerprint(body: str, params: LshParams = DEFAULT_LSH) -> Fingerprint:
    """Content hash, packed signature and band keys of one body."""
    signature = minhash_signature(body, params)
    return Fingerprint(content_hash(body), signature.tobytes(), band_keys(signature, params))


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values between two packed signatures of the same shape."""
    left = np.frombuffer(a, dtype="<u4")
    right = np.frombuffer(b, dtype="<u4")
    if left.shape != right.shape or not left.size:
        return 0.0
    return float(np.count_nonzero(left == right)) / left.size
