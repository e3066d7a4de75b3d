"""Redis-frontier bench: pages/s of 1, 2, 3 ``crawler crawl --redis`` workers on one machine,
and the Redis round trips each page costs.

Each run crawls the bench site (`bench/benchsite.py`) from its section page (``/section/N/``:
listing pages of 100 article links, then the articles; the articles' own links lead off
the site), or with ``--site fixtures`` the three small news sites of ``tests/fixtures/sites``
from their homepages (menus, tags, related links: many links per page), with ``--workers``
processes started
together against one Redis and one PostgreSQL schema, plus one plain run without Redis as
the baseline. Redis is a private ``redis-server`` started for the bench on a free port (or
``--redis URL``, whose other clients would then count in the figures). Round trips are the
commands clients send, counted through ``MONITOR`` (a Lua script is one round trip); Redis
commands are all it executes, scripts' inner commands included (``INFO commandstats``).

Figures per run: pages fetched (all workers), crawl seconds (first spider opened to last
spider closed, from the runs' stats: process start-up excluded) and wall seconds
(start-up included), pages/s on each, CPU seconds of the workers' process trees (crawler
and extraction pool, start-up included) in all and per page (steadier than pages/s on a
shared machine), Redis round trips and commands per page, split by command, and how the
pages split between the workers.

    python bench/redis_workers.py [--site bench|fixtures] [--pages 600] [--workers 1,2,3]
                                  [--postgres URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from benchsite import BenchSite
from machine import LoadMeter, machine_info
from measure import become_subreaper, children_cpu, reap_orphans
from pages import BENCHMARK_DIR
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from throughput import BENCH_SETTINGS, CRAWLER, postgres_schema

from crawler.siteserver import SiteServer

FIXTURE_SITES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sites"
DEFAULT_POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432/test"


@contextmanager
def private_redis() -> Iterator[tuple[str, int]]:
    """A throw-away ``redis-server`` on a free port of 127.0.0.1 (no persistence): its URL
    and process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


class RoundTrips:
    """Commands Redis receives from its clients (a Lua script is one; the commands it runs
    are not round trips), counted by a ``MONITOR`` connection in a thread."""

    def __init__(self, redis_url: str) -> None:
        self.client = Redis.from_url(redis_url, socket_timeout=None)  # quiet spells are fine
        self.counts: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def __enter__(self) -> RoundTrips:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()  # ends the monitor's connection, and so the thread
        self._thread.join(5)

    def _listen(self) -> None:
        try:
            with self.client.monitor() as monitor:
                for command in monitor.listen():
                    if command["client_type"] != "lua":
                        self.counts[command["command"].split(" ", 1)[0].lower()] += 1
        except (RedisError, OSError, ValueError):  # closed by __exit__
            return


def command_calls(redis_url: str) -> dict[str, int]:
    """Calls per command since the server started (``INFO commandstats``)."""
    client = Redis.from_url(redis_url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def run_workers(
    start_urls: Sequence[str],
    count: int,
    db_url: str,
    redis_url: str | None,
    args: argparse.Namespace,
    logs: Path,
    keep: Sequence[int],
) -> dict[str, Any]:
    """``count`` workers crawling the site together (no Redis when ``redis_url`` is None)."""
    name = f"{count}-workers" if redis_url else "no-redis"
    command = [str(CRAWLER), "crawl", *start_urls, "--db", db_url, "--quiet"]
    settings = {**BENCH_SETTINGS, "CRAWLER_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}"}
    if redis_url:
        command += ["--redis", redis_url]
    for setting, value in settings.items():
        command += ["-s", f"{setting}={value}"]
    env = {**os.environ, "CRAWLER_EXTRACT_WORKERS": str(args.extract_workers)}
    calls = command_calls(redis_url) if redis_url else {}
    cpu = children_cpu()
    with LoadMeter() as load, _round_trips(redis_url) as trips:
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [*command, "--log-file", str(logs / f"{name}-{n}.log")],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(count)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=600 + args.pages)
            if worker.returncode:
                sys.stderr.write(err[-4000:])
                raise SystemExit(f"bench: a worker of {name} exited {worker.returncode}")
        wall = time.perf_counter() - started
        reap_orphans(keep)
    cpu = children_cpu() - cpu
    runs = run_stats(db_url)
    fetched = [int(s.get("response_received_count", 0)) for s in runs]
    total = sum(fetched)
    crawl = max(s["finish_time"] for s in runs) - min(s["start_time"] for s in runs)
    result: dict[str, Any] = {
        "run": name,
        "workers": count,
        "pages_fetched": total,
        "pages_by_worker": sorted(fetched, reverse=True),
        "articles_stored": stored_count(db_url),
        "crawl_seconds": crawl,
        "wall_seconds": wall,
        "pages_per_second": total / crawl,
        "pages_per_second_wall": total / wall,
        "cpu_seconds": cpu,
        "load": load.result(cpu),
    }
    if redis_url:
        after = command_calls(redis_url)
        delta = {c: after[c] - calls.get(c, 0) for c in after if after[c] > calls.get(c, 0)}
        delta.pop("info", None)
        assert trips is not None
        result["redis_commands"] = dict(sorted(delta.items(), key=lambda kv: -kv[1]))
        result["redis_commands_per_page"] = sum(delta.values()) / total
        result["redis_round_trips"] = dict(trips.counts.most_common())
        result["redis_round_trips_per_page"] = trips.counts.total() / total
    return result


def run_stats(db_url: str) -> list[dict[str, Any]]:
    """Final stats of every recorded run, with times as epoch seconds."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.scalars(sa.text("select stats from crawl_runs")).all()
    finally:
        engine.dispose()
    stats = [row if isinstance(row, dict) else json.loads(row) for row in rows]
    for entry in stats:
        for key in ("start_time", "finish_time"):
            entry[key] = _epoch(entry[key])
    return stats


def stored_count(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text("select count(*) from articles")) or 0)
    finally:
        engine.dispose()


def _epoch(value: Any) -> float:
    """A stats timestamp (ISO 8601 string once stored as JSON) as epoch seconds."""
    return datetime.fromisoformat(str(value)).timestamp()


def render(results: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| run | pages | pages by worker | crawl s | pages/s | wall s | pages/s (wall) "
        "| CPU s | CPU ms/page | Redis round trips/page | Redis commands/page |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["runs"]:
        trips = r.get("redis_round_trips_per_page")
        commands = r.get("redis_commands_per_page")
        lines.append(
            f"| {r['run']} | {r['pages_fetched']} | {'/'.join(map(str, r['pages_by_worker']))} "
            f"| {r['crawl_seconds']:.1f} | {r['pages_per_second']:.1f} | {r['wall_seconds']:.1f} "
            f"| {r['pages_per_second_wall']:.1f} | {r['cpu_seconds']:.1f} "
            f"| {1000 * r['cpu_seconds'] / r['pages_fetched']:.1f} "
            f"| {_figure(trips)} | {_figure(commands)} |"
        )
    return "\n".join(lines)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    become_subreaper()
    results: dict[str, Any] = {
        "machine": machine_info(),
        "site": args.site,
        "pages": args.pages,
        "settings": {**BENCH_SETTINGS, "CRAWLER_EXTRACT_WORKERS": str(args.extract_workers)},
        "runs": [],
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    data = None if args.generated else args.data
    with _site(args, data) as (start_urls, site_pid), _redis(args.redis) as (url, pid):
        results["redis"] = "private redis-server" if not args.redis else "given"
        keep = [p for p in (site_pid, pid) if p]
        with postgres_schema(args.postgres) as db_url:
            baseline = run_workers(start_urls, 1, db_url, None, args, logs, keep)
        results["runs"].append(baseline)
        for count in args.workers:
            with postgres_schema(args.postgres) as db_url:
                result = run_workers(start_urls, count, db_url, url, args, logs, keep)
            results["runs"].append(result)
            print(
                f"bench: {result['run']}: {result['pages_per_second']:.1f} pages/s", file=sys.stderr
            )
    if args.keep_logs:
        print(f"bench: logs in {logs}", file=sys.stderr)
    else:
        shutil.rmtree(logs, ignore_errors=True)
    return results


@contextmanager
def _site(args: argparse.Namespace, data: Path | None) -> Iterator[tuple[list[str], int | None]]:
    """The start URLs of the site crawled, and the pid of its server process (if one)."""
    if args.site == "fixtures":
        with SiteServer(FIXTURE_SITES) as server:
            yield [f"{server.base_url(site)}/" for site in server.sites], None
    else:
        with BenchSite(pages=args.pages, data=data) as bench:
            yield [f"{bench.base_url}/section/{args.pages}/"], bench.pid


@contextmanager
def _round_trips(url: str | None) -> Iterator[RoundTrips | None]:
    if url is None:
        yield None
    else:
        with RoundTrips(url) as trips:
            yield trips


@contextmanager
def _redis(url: str | None) -> Iterator[tuple[str, int | None]]:
    if url:
        yield url, None
    else:
        with private_redis() as private:
            yield private


def _counts(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", choices=("bench", "fixtures"), default="bench", help="the site crawled"
    )
    parser.add_argument("--pages", type=int, default=600, help="articles on the bench site")
    parser.add_argument("--workers", type=_counts, default=[1, 2, 3], help="e.g. 1,2,3")
    parser.add_argument(
        "--extract-workers", type=int, default=1, help="extraction processes per worker"
    )
    parser.add_argument("--redis", help="an existing Redis (default: a private redis-server)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CRAWLER_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server URL (a schema is created per run)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=BENCHMARK_DIR, help="benchmark folder")
    source.add_argument("--generated", action="store_true", help="generated pages only")
    parser.add_argument("--json", type=Path, help="save every figure here")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
