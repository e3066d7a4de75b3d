"""Compression bombs: small bodies that inflate to far more than the download size limit."""

from __future__ import annotations

import gzip
import io
import zlib

import brotli
import zstandard

#: What every bomb inflates to: 40 times the crawler's 5 MiB download limit.
INFLATED_SIZE = 200 * 1024 * 1024
_BLOCK = b"\0" * (1024 * 1024)


def gzip_bomb(size: int = INFLATED_SIZE) -> bytes:
    """``size`` zero bytes, gzip-compressed."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as out:
        for _ in range(size // len(_BLOCK)):
            out.write(_BLOCK)
    return buffer.getvalue()


def deflate_bomb(size: int = INFLATED_SIZE) -> bytes:
    """``size`` zero bytes in a zlib stream (what servers send as ``deflate``)."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(_BLOCK) for _ in range(size // len(_BLOCK))]
    return b"".join(parts) + compressor.flush()


def brotli_bomb(size: int = INFLATED_SIZE) -> bytes:
    """``size`` zero bytes, brotli-compressed."""
    compressor = brotli.Compressor(quality=5)
    parts = [compressor.process(_BLOCK) for _ in range(size // len(_BLOCK))]
    return b"".join(parts) + compressor.finish()


def zstd_bomb(size: int = INFLATED_SIZE) -> bytes:
    """``size`` zero bytes in a zstd frame that does not declare its content size."""
    compressor = zstandard.ZstdCompressor(level=3, write_content_size=False)
    chunker = compressor.chunker(chunk_size=65536)
    parts = [b"".join(chunker.compress(_BLOCK)) for _ in range(size // len(_BLOCK))]
    return b"".join(parts) + b"".join(chunker.finish())


BUILDERS = {"gzip": gzip_bomb, "deflate": deflate_bomb, "br": brotli_bomb, "zstd": zstd_bomb}
