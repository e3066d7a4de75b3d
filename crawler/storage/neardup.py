"""Body fingerprints: content hash, MinHash signature and LSH band keys for the database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_MULTIPLIER = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)
_MAX32 = np.uint32(0xFFFFFFFF)
#: Shingles permuted at once: bounds the temporary matrix to 2,048 x num_perm values.
_ROWS_PER_STEP = 2048


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


def _words(body: str, max_words: int) -> list[str]:
    # Words average under 10 characters with their separators; the cut bounds the work.
    words: list[str] = _WORD.findall(body[: max_words * 32].casefold())
    return words[:max_words]


def shingles(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> set[bytes]:
    """Word ``size``-shingles of the case-folded body's first ``max_words`` words.

    Punctuation and quote style are ignored. (Signatures use `shingle_hashes`, the same
    shingles hashed to 32 bits; this readable form is for measuring true similarity.)
    """
    words = _words(body, max_words)
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def shingle_hashes(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> np.ndarray:
    """The distinct 32-bit hashes of the body's word ``size``-shingles.

    Each word is hashed once (CRC-32); a shingle's hash is a polynomial of its words' hashes
    modulo 2**32, computed for all shingles at once.
    """
    words = _words(body, max_words)
    hashes = np.fromiter(
        (zlib.crc32(word.encode("utf-8", "surrogatepass")) for word in words),
        dtype=np.uint64,
        count=len(words),
    )
    if len(hashes) < size:  # a body shorter than one shingle is one shingle
        size = max(1, len(hashes))
    count = max(1, len(hashes) - size + 1)
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(min(size, len(hashes))):
        combined = combined * _MULTIPLIER + hashes[offset : offset + count]
    return np.unique(combined & _MASK32)


def minhash_signature(body: str, params: LshParams = DEFAULT_LSH) -> np.ndarray:
    """The body's MinHash signature as ``num_perm`` uint32 values.

    Bit for bit datasketch's ``MinHash(scheme="affine32", hashfunc=int)`` (2.x) fed the
    `shingle_hashes`, so signatures stored by earlier versions stay comparable: each hash
    is mixed by the MurmurHash3 32-bit finalizer, then permuted by ``a * h + b mod 2**32``.
    """
    a, b = _permutations(params.num_perm, params.seed)
    hashes = _fmix32(shingle_hashes(body, params.shingle, params.max_words).astype(np.uint32))
    signature = np.full(params.num_perm, _MAX32, dtype=np.uint32)
    for start in range(0, len(hashes), _ROWS_PER_STEP):
        step = hashes[start : start + _ROWS_PER_STEP, np.newaxis]
        np.minimum(signature, (step * a + b).min(axis=0), out=signature)
    return signature.astype("<u4", copy=False)


def warm_fingerprints(params: LshParams = DEFAULT_LSH) -> None:
    """Make the permutations now, so that the first batch a crawl stores does not pay for
    them while its pages pile up unstored."""
    _permutations(params.num_perm, params.seed)


@cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 permutation parameters of a shape (``a`` odd: a bijection).

    Drawn as datasketch draws them, from ``RandomState(seed)``: ``a`` first, then ``b``.
    """
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hashes: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, element-wise (multiplication wraps modulo 2**32)."""
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes = hashes * np.uint32(0x85EBCA6B)
    hashes = hashes ^ (hashes >> np.uint32(13))
    hashes = hashes * np.uint32(0xC2B2AE35)
    return hashes ^ (hashes >> np.uint32(16))


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
