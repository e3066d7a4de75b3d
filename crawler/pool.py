"""Extraction off the reactor: worker processes with a hard time and memory limit per page.

Settings (read in ``from_crawler``):
    CRAWLER_EXTRACT_WORKERS: worker processes; 0 (default) = one per core.
    CRAWLER_EXTRACT_RECYCLE: a worker is replaced after this many pages (memory cannot creep).
    CRAWLER_EXTRACT_TIMEOUT: seconds one page may take; past it the worker is killed and
        replaced, and the page fails with reason ``extract_timeout``.
    CRAWLER_EXTRACT_MEMORY_MB: address space a page may add to a worker: its ``RLIMIT_AS``
        is its size at start (engine and numpy loaded) plus this; a page that needs more
        fails with ``too_complex``. 0 = no cap.

Workers are forked from a forkserver that has the extraction engine imported, so a new
worker costs milliseconds, and never from the Scrapy process itself (it runs threads).
Each worker is driven by one thread of the calling process, which sends the raw page
(bytes, Content-Type, URL, fetch time, options), waits at most the timeout, and resolves
a `concurrent.futures.Future`; ``await pool.run(task)`` wraps it for asyncio callbacks.
Tasks queue without bound: Scrapy's scraper-slot size limit is what holds downloading back.
As with any multiprocessing pool, a script that runs crawls must guard its entry point with
``if __name__ == "__main__":`` (the forkserver imports the main module once).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.extraction.options import ExtractionOptions
from crawler.items import Article
from crawler.urls import canonicalize_url

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerProcess

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: What a task resolves to: the article, or only the page's links (``links_only``).
Outcome = Article | tuple[str, ...]

#: Modules the forkserver imports once so that each forked worker starts warm (the crawl
#: process itself never imports the extraction engine). The main module is among them
#: because multiprocessing imports it in every child otherwise.
_PRELOAD = ["__main__", "crawler.extract_worker"]
#: Seconds a worker is given to exit after being asked to.
_STOP_GRACE = 2.0


class ExtractionFailed(Exception):
    """A page the pool could not turn into an article; ``reason`` is one short word.

    Reasons: the extractor's own (``empty``, ``not_html``, ``too_large``, ``too_complex``),
    ``extract_timeout``, ``worker_crashed``, ``extract_failed`` (an unexpected exception,
    ``detail`` names it) and ``pool_closed``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PageTask:
    """One fetched page for a worker: raw body and everything needed to decode it."""

    body: bytes
    url: str
    fetched_at: datetime
    content_type: str | None = None
    options: ExtractionOptions = ExtractionOptions()
    links_only: bool = False


class ExtractionPool:
    """A fixed number of extraction worker processes fed from one queue."""

    def __init__(
        self,
        workers: int = 0,
        recycle_after: int = 300,
        timeout: float = 20.0,
        memory_limit_mb: int = 1024,
    ) -> None:
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self.recycle_after = max(1, recycle_after)
        self.timeout = timeout
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.replaced = 0  # workers killed or recycled so far
        self.cpu_seconds = 0.0  # workers' CPU time on pages, added as each worker retires
        self._queue: queue.SimpleQueue[tuple[Future[Outcome], PageTask] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._processes: dict[int, ForkServerProcess] = {}
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        settings = crawler.settings
        return cls(
            workers=settings.getint("CRAWLER_EXTRACT_WORKERS", 0),
            recycle_after=settings.getint("CRAWLER_EXTRACT_RECYCLE", 300),
            timeout=settings.getfloat("CRAWLER_EXTRACT_TIMEOUT", 20.0),
            memory_limit_mb=settings.getint("CRAWLER_EXTRACT_MEMORY_MB", 1024),
        )

    def start(self) -> None:
        """Start the workers now rather than at the first page (they take a moment to fork)."""
        with self._lock:
            if not self._threads and not self._closed:
                self._start_threads()

    def submit(self, task: PageTask) -> Future[Outcome]:
        """Queue one page; the future holds the outcome or raises `ExtractionFailed`."""
        future: Future[Outcome] = Future()
        with self._lock:
            if self._closed:
                future.set_exception(ExtractionFailed("pool_closed"))
                return future
            if not self._threads:
                self._start_threads()
            self._queue.put((future, task))
        return future

    async def run(self, task: PageTask) -> Outcome:
        """Extract one page without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(task))

    def close(self) -> None:
        """Fail queued tasks with ``pool_closed``, stop the workers and wait for them."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        while True:
            try:
                pending = self._queue.get_nowait()
            except queue.Empty:
                break
            if pending is not None:
                _resolve(pending[0], error=ExtractionFailed("pool_closed"))
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(self.timeout + _STOP_GRACE * 2)
        with self._lock:
            stragglers = list(self._processes.values())
        for process in stragglers:
            process.kill()
            process.join(_STOP_GRACE)

    def _start_threads(self) -> None:
        for number in range(self.workers):
            thread = threading.Thread(
                target=self._serve, name=f"extract-pool-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self) -> None:
        """One thread's loop: drive one worker process through queued tasks."""
        worker: _Worker | None = None
        try:
            worker = self._spawn()
        except Exception:  # noqa: BLE001 - retried at the first task, which reports it
            logger.exception("extraction worker could not be started")
        try:
            while (item := self._queue.get()) is not None:
                future, task = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if worker is None:
                        worker = self._spawn()
                    result, error, healthy = worker.run(task, self.timeout)
                except Exception as exc:  # noqa: BLE001 - a thread that dies hangs its tasks
                    logger.exception("extraction worker could not be started or driven")
                    result, error, healthy = (
                        None,
                        ExtractionFailed("worker_crashed", repr(exc)),
                        False,
                    )
                if worker is not None and (not healthy or worker.done >= self.recycle_after):
                    self._retire(worker, kill=not healthy)
                    worker = None
                _resolve(future, result, error)
        finally:
            if worker is not None:
                self._retire(worker, kill=False, replaced=False)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.memory_limit)
        with self._lock:
            self._processes[id(worker)] = worker.process
        return worker

    def _retire(self, worker: _Worker, kill: bool, replaced: bool = True) -> None:
        worker.stop(kill)
        with self._lock:
            self._processes.pop(id(worker), None)
            self.replaced += replaced
            self.cpu_seconds += worker.cpu_seconds


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, memory_limit: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(
            target=_worker_entry, args=(child_conn, memory_limit), daemon=True
        )
        self.process.start()
        child_conn.close()
        self.done = 0
        self.cpu_seconds = 0.0

    def run(
        self, task: PageTask, timeout: float
    ) -> tuple[Outcome | None, ExtractionFailed | None, bool]:
        """(result, error, healthy): ``healthy`` is False when the worker must be replaced."""
        self.done += 1
        try:
            self.conn.send(task)
            if not self.conn.poll(timeout):
                return None, ExtractionFailed("extract_timeout", f"over {timeout:g} s"), False
            status, payload, cpu = self.conn.recv()
            self.cpu_seconds += cpu
        except (EOFError, OSError) as exc:
            code = self.process.exitcode
            return None, ExtractionFailed("worker_crashed", f"exit {code}: {exc!r}"), False
        if status == "ok":
            return payload, None, True
        reason, detail, healthy = payload
        return None, ExtractionFailed(reason, detail), healthy

    def stop(self, kill: bool) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            else:
                self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(_STOP_GRACE)
        self.conn.close()


def _resolve(
    future: Future[Outcome], result: Outcome | None = None, error: Exception | None = None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


def without_tracking(url: str) -> str:
    """``url`` without tracking parameters (canonical form); URLs without a query as they are."""
    return canonicalize_url(url) if "?" in url else url


def _worker_entry(conn: multiprocessing.connection.Connection, memory_limit: int) -> None:
    """A worker process's target: the engine is imported here, in the worker, not by the
    crawl process that pickles this function by name."""
    from crawler.extract_worker import worker_main

    worker_main(conn, memory_limit)
