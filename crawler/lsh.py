"""The MinHash-LSH shape, what a signature is made of, and the body's content hash: shared by
the extraction workers, which make signatures (`crawler.minhash`) and hashes, and storage, which
compares them (standard library only, so that neither side loads the other).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.items import BodySignature

_WORD = re.compile(r"\w+")


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


def body_digest(body: str) -> bytes:
    """blake2b (16 bytes) of the exact body: which body a `BodySignature` was made from."""
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def made_from(signed: BodySignature, body: str) -> bool:
    """Whether ``signed`` (its signature and hash) was made from exactly ``body``."""
    return signed.body_digest == body_digest(body)


def body_words(body: str, max_words: int) -> list[str]:
    """The words shingled: those of the case-folded body, at most ``max_words``."""
    # Words average under 10 characters with their separators; the cut bounds the work.
    words: list[str] = _WORD.findall(body[: max_words * 32].casefold())
    return words[:max_words]


def content_hash(body: str) -> str:
    """sha256 hex of the body as NFC with whitespace runs as one space, trimmed: equal for
    bodies that differ only in whitespace.

    (``str.split`` knows the same whitespace as ``\\s`` and costs a third of the regex.)
    """
    text = " ".join(unicodedata.normalize("NFC", body).split())
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
