"""MinHash signatures of article bodies (numpy): made by the extraction workers, or by storage
for an item that arrives without one. Outside `crawler.storage` so that a worker importing it
does not load storage (SQLAlchemy)."""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np

from crawler.items import BodySignature
from crawler.lsh import DEFAULT_LSH, LshParams, body_digest, body_words, content_hash

_MULTIPLIER = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)
_MAX32 = np.uint32(0xFFFFFFFF)
#: Shingles permuted at once: bounds the temporary matrix to 2,048 x num_perm values.
_ROWS_PER_STEP = 2048


def shingle_hashes(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> np.ndarray:
    """The distinct 32-bit hashes of the body's word ``size``-shingles.

    Each word is hashed once (CRC-32); a shingle's hash is a polynomial of its words' hashes
    modulo 2**32, computed for all shingles at once.
    """
    words = body_words(body, max_words)
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


def packed_signature(body: str, params: LshParams = DEFAULT_LSH) -> bytes:
    """`minhash_signature` as stored: ``num_perm`` little-endian uint32 values."""
    return minhash_signature(body, params).tobytes()


def sign_body(body: str) -> BodySignature:
    """The signature and hash storage would make of ``body`` (default shape), tied to that body."""
    return BodySignature(body_digest(body), packed_signature(body), content_hash(body))


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
