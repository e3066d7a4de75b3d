"""``crawler frontier``: what the shared Redis frontiers hold, per source; watch them drain."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from redis import Redis
from redis.exceptions import RedisError

from crawler import settings
from crawler.cli.errors import CliError
from crawler.distributed.keys import check_namespace
from crawler.distributed.status import FrontierStatus, clear_frontier, frontier_status

HEADER = ("SOURCE", "SPIDER", "QUEUED", "TAKEN", "UNSAVED", "SEEN", "WORKERS")


def register(parser: argparse.ArgumentParser) -> None:
    """Fill in the ``frontier`` sub-command's parser."""
    parser.description = (
        "One row per source and spider sharing a frontier through Redis: "
        "requests queued, taken by a worker (TAKEN), done but waiting for their articles "
        "to be stored (UNSAVED), fingerprints seen, and workers (live/registered). A crawl "
        "is drained when nothing is queued, taken or unsaved."
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        default=settings.CRAWLER_REDIS_URL or None,
        help="Redis URL (default: CRAWLER_REDIS_URL)",
    )
    parser.add_argument(
        "--namespace",
        metavar="NS",
        default=settings.CRAWLER_REDIS_NAMESPACE,
        help=f"deployment namespace (default: {settings.CRAWLER_REDIS_NAMESPACE})",
    )
    parser.add_argument("--source", metavar="NAME", help="only this source's frontiers")
    parser.add_argument(
        "--watch",
        type=float,
        metavar="SECONDS",
        help="print again every SECONDS until every frontier shown is drained",
    )
    parser.add_argument(
        "--clear",
        action="store_true",
        help="delete --source's frontier (queue and seen set) so its next crawl starts "
        "afresh; refused while a worker is live",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table (repeatedly with ``--watch``), or clear a source's frontier."""
    if not args.redis:
        raise CliError("give --redis URL (or set CRAWLER_REDIS_URL)")
    if args.watch is not None and args.watch <= 0:
        raise CliError("--watch wants a number of seconds above 0")
    try:
        namespace = check_namespace(args.namespace)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    server = Redis.from_url(args.redis, socket_connect_timeout=5)
    try:
        if args.clear:
            return _clear(server, namespace, args.source)
        while True:
            statuses = _status(server, namespace, args.source)
            print(format_status(statuses) if statuses else "no frontier in Redis", flush=True)
            if args.watch is None or all(s.drained for s in statuses):
                return 0
            time.sleep(args.watch)
            print()
    except RedisError as exc:
        raise CliError(f"Redis: {exc}") from None
    finally:
        server.close()


def format_status(statuses: Sequence[FrontierStatus]) -> str:
    """A plain-text table, one row per frontier."""
    rows = [HEADER] + [
        (
            s.source,
            s.spider,
            *(str(n) for n in (s.queued, s.taken, s.unsaved, s.seen)),
            f"{s.live}/{s.workers}",
        )
        for s in statuses
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _status(server: Redis, namespace: str, source: str | None) -> list[FrontierStatus]:
    return frontier_status(server, namespace, source, settings.CRAWLER_REDIS_WORKER_TIMEOUT)


def _clear(server: Redis, namespace: str, source: str | None) -> int:
    if not source:
        raise CliError("--clear needs --source NAME")
    statuses = _status(server, namespace, source)
    if any(s.live for s in statuses):
        raise CliError(f"{source}: a worker is still crawling it; stop it first", exit_code=1)
    deleted = clear_frontier(server, statuses)
    print(f"{source}: {deleted} key(s) deleted" if deleted else f"{source}: no frontier")
    return 0
