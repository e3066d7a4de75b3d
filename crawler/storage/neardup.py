"""Body fingerprints for the database: content hash, band keys and signature comparison.

No numpy here: signatures are made by `crawler.minhash`, in the extraction workers for crawled
pages, so a crawl process that only compares them never loads it.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass

from crawler.items import BodySignature
from crawler.lsh import DEFAULT_LSH, LshParams, body_words, content_hash, made_from


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What storage keeps about a body to find it again: exactly and approximately."""

    content_hash: str
    signature: bytes
    band_keys: tuple[int, ...]


def shingles(body: str, size: int, max_words: int = DEFAULT_LSH.max_words) -> set[bytes]:
    """Word ``size``-shingles of the case-folded body's first ``max_words`` words.

    Punctuation and quote style are ignored. (Signatures use `crawler.minhash.shingle_hashes`,
    the same shingles hashed to 32 bits; this readable form is for measuring true similarity.)
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
    body: str,
    params: LshParams = DEFAULT_LSH,
    signed: BodySignature | None = None,
    hashed: str | None = None,
) -> Fingerprint:
    """Content hash, packed signature and band keys of one body.

    Hash and signature are ``signed``'s when it was made from this very body with the default
    shape; else the hash is ``hashed`` when given (the body's `content_hash`, made earlier)
    and the signature is made here (importing numpy).
    """
    if signed is not None and params == DEFAULT_LSH and made_from(signed, body):
        return Fingerprint(signed.content_hash, signed.minhash, band_keys(signed.minhash, params))
    from crawler.minhash import packed_signature

    signature = packed_signature(body, params)
    return Fingerprint(hashed or content_hash(body), signature, band_keys(signature, params))


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values between two packed signatures of the same shape."""
    if len(a) != len(b) or not a:
        return 0.0
    left, right = memoryview(a).cast("I"), memoryview(b).cast("I")  # equal bytes, equal values
    return sum(map(operator.eq, left, right)) / len(left)
