"""Body fingerprints: content hash, MinHash-LSH shape, band keys and signature comparison.

No numpy here: the signatures themselves are made by `crawler.storage.minhash`, in the
extraction workers for crawled pages, so a crawl process that only compares them never loads it.
"""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from dataclasses import dataclass

from crawler.items import BodySignature

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


def body_digest(body: str) -> bytes:
    """blake2b (16 bytes) of the exact body: which body a `BodySignature` was made from."""
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def body_words(body: str, max_words: int) -> list[str]:
    """The words shingled: those of the case-folded body, at most ``max_words``."""
    # Words average under 10 characters with their separators; the cut bounds the work.
    words: list[str] = _WORD.findall(body[: max_words * 32].casefold())
    return words[:max_words]


def shingles(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> set[bytes]:
    """Word ``size``-shingles of the case-folded body's first ``max_words`` words.

    Punctuation and quote style are ignored. (Signatures use ``minhash.shingle_hashes``, the
    same shingles hashed to 32 bits; this readable form is for measuring true similarity.)
    """
    words = body_words(body, max_words)
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def band_keys(signature: bytes, params: LshParams = DEFAULT_LSH) -> tuple[int, ...]:
    """One signed 64-bit key per band: the band's index and packed values hashed together."""
    packed = bytes(signature)  # as stored; a uint32 array gives its bytes
    width = params.rows * 4
    keys = []
    for band in range(params.bands):
        chunk = packed[band * width : (band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(16, "little"))
        keys.append(int.from_bytes(digest.digest(), "little", signed=True))
    return tuple(keys)


def fingerprint(
    body: str, params: LshParams = DEFAULT_LSH, signed: BodySignature | None = None
) -> Fingerprint:
    """Content hash, packed signature and band keys of one body.

    The signature is ``signed``'s when it was made from this very body with the default shape,
    else made here (importing numpy).
    """
    if signed is not None and params == DEFAULT_LSH and signed.body_digest == body_digest(body):
        signature = signed.minhash
    else:
        from crawler.storage.minhash import packed_signature

        signature = packed_signature(body, params)
    return Fingerprint(content_hash(body), signature, band_keys(signature, params))


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values between two packed signatures of the same shape."""
    if len(a) != len(b) or not a:
        return 0.0
    left, right = memoryview(a).cast("I"), memoryview(b).cast("I")  # equal bytes, equal values
    return sum(map(operator.eq, left, right)) / len(left)
