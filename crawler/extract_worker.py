"""The extraction worker process: raw pages in from a pipe, articles or failure reasons out.

Only worker processes import this module (and with it the extraction engine and numpy); the
crawl process drives them through `crawler.pool`. An article leaves normalized
(`crawler.normalize`) with its body's MinHash signature and content hash (`crawler.minhash`),
so the crawl process stores it without doing any of that work.
"""

from __future__ import annotations

import ctypes
import dataclasses
import multiprocessing.connection
import resource
import signal
import time
from collections.abc import Callable
from typing import Any

from crawler.extraction import ExtractionError, extract_article
from crawler.extraction.decode import decode_document, parse_document
from crawler.extraction.links import page_links
from crawler.minhash import sign_body
from crawler.normalize import normalize_article
from crawler.pool import PageTask, without_tracking

#: Pages between two hand-backs of freed heap memory to the system ...
_TRIM_EVERY = 10
#: ... and a page body this large (bytes) is followed by one at once.
_TRIM_AFTER_BODY = 256 * 1024
#: glibc ``mallopt`` parameter and the size from which a block gets a mapping of its own.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 128 * 1024


def worker_main(conn: multiprocessing.connection.Connection, page_memory: int) -> None:
    """Worker process: extract pages from ``conn`` until told to stop or the parent is gone.

    ``page_memory`` (bytes, 0 = no cap) is what pages may add to the worker's address space
    as it starts (the preloaded engine and numpy's reservations are not a page's doing).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    memory_limit = 0
    if page_memory:
        memory_limit = _address_space("VmSize") + page_memory
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    trim = _manage_heap()
    done = 0
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        started = time.process_time()
        status, payload = _extract(task)
        if status == "error" and payload[0] == "extract_failed" and _hit_cap(memory_limit):
            status, payload = "error", ("too_complex", f"memory cap: {payload[1]}", False)
        try:
            conn.send((status, payload, time.process_time() - started))
        except (OSError, ValueError):
            return
        if status == "error" and not payload[2]:
            return
        done += 1
        if trim is not None and (done % _TRIM_EVERY == 0 or len(task.body) > _TRIM_AFTER_BODY):
            trim(0)


def _extract(task: PageTask) -> tuple[str, Any]:
    """("ok", outcome) or ("error", (reason, detail, healthy)); never raises."""
    try:
        if task.links_only:
            text, _ = decode_document(task.body, task.content_type, task.options.max_html_bytes)
            tree = parse_document(text, task.options.max_tree_elements)
            return "ok", _links(page_links(tree, task.url))
        article = extract_article(
            task.body, task.url, task.fetched_at, task.options, content_type=task.content_type
        )
        if not article.is_article:
            return "ok", dataclasses.replace(article, links=_links(article.links))
        article = normalize_article(article)
        signature = sign_body(article.body)
        return "ok", dataclasses.replace(article, links=_links(article.links), signature=signature)
    except ExtractionError as exc:
        return "error", (exc.reason, str(exc)[:300], True)
    except (MemoryError, RecursionError) as exc:
        return "error", ("too_complex", type(exc).__name__, False)
    except Exception as exc:  # noqa: BLE001 - any bug in extraction must not kill the crawl
        return "error", ("extract_failed", f"{type(exc).__name__}: {exc}"[:300], True)


def _links(links: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(without_tracking(u) for u in links))


def _hit_cap(memory_limit: int) -> bool:
    """Whether this process came within 10% of its address-space cap (libxml2 and others
    report a failed allocation as assorted errors, not always as `MemoryError`)."""
    return bool(memory_limit) and _address_space("VmPeak") >= memory_limit * 0.9


def _address_space(field: str) -> int:
    """This process's ``VmSize`` (now) or ``VmPeak`` (highest yet) in bytes, from
    ``/proc/self/status``; 0 where the system has no such file."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith(f"{field}:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def _manage_heap() -> Callable[[int], int] | None:
    """Fix glibc's mmap threshold for this process; return ``malloc_trim`` (None where the C
    library has neither).

    Parsing a page leaves the C heap full of freed holes that glibc keeps; handing them back
    keeps a worker near 95 MB resident instead of creeping to 135 MB over 300 pages (about
    0.4 ms of CPU per page at the cadence above). glibc raises its mmap threshold each time
    a large block is freed, so after the first large page, page-sized buffers (markup, text,
    serialised trees) come from the heap and stay there as holes; a fixed threshold keeps
    them in their own mappings, unmapped when freed: 10 MB less at a worker's peak.
    """
    try:
        libc = ctypes.CDLL(None)
        trim: Callable[[int], int] = libc.malloc_trim
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    except (OSError, AttributeError):
        return None
    return trim
