"""Throughput bench: extraction ceiling vs ``crawler crawl`` end to end; CPU by stage, memory.

One run, side by side, on a local site served from 127.0.0.1 by `bench/benchsite.py`:
the extraction pool alone over the pages (ceiling), then ``crawler crawl --sitemap`` into
SQLite at each ``--sizes`` and into PostgreSQL (``--postgres`` or
``CRAWLER_TEST_POSTGRES_URL``) at the first size; each larger size gets its own ceiling over
the same pages, right after its crawl, since this machine's speed drifts by 10% and more
over the minutes a large crawl takes. CPU is the exact user+system time of each process
tree. Then, on the first ``--profile-pages`` pages: ``extract_article`` and plain
trafilatura variants in one process, the dedupe/store cost apart from the crawl, and the
peers (news-please, newspaper4k, in ``.venv-peers``). Prints a table; ``--json`` saves all.

    python bench/throughput.py [--sizes 5000,20000] [--postgres URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from benchsite import BenchSite, load_test, sitemap_path
from cpu import CpuPerPage
from inprocess import measure_extract_article, measure_trafilatura
from machine import LoadMeter, machine_info
from measure import Measured, become_subreaper, run_measured
from pages import BENCHMARK_DIR, PageSet
from peers import measure as measure_peers
from report import derive, render
from storecost import measure_store, stored_items

from crawler.storage import open_database

#: Scrapy settings of every bench crawl (politeness is for other people's servers).
BENCH_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "DOWNLOAD_DELAY": "0",
    "CRAWLER_HOST_PAGE_BUDGET": "0",
}
#: The console script of the interpreter running the bench (``make bench``: ``.venv``).
CRAWLER = Path(sys.executable).with_name("crawler")


def ceiling(site: BenchSite, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """The extraction pool alone over pages ``0..size-1`` (bench/ceiling.py, measured)."""
    command = [sys.executable, str(Path(__file__).with_name("ceiling.py")), "--pages", str(size)]
    command += ["--base-url", site.base_url, "--workers", str(args.workers), *_source(args)]
    with LoadMeter() as load:
        measured = _checked(run_measured(command, keep=[site.pid]), "ceiling")
    result = json.loads(measured.stdout)
    # Start-up (imports, loading the base pages) and rendering are not extraction work.
    cpu = measured.cpu - result["setup_cpu"] - result["render_cpu"]
    return {
        **result,
        "cpu": cpu,
        "worker_cpu": measured.other_cpu,
        "peak_rss_mb": measured.tree.peak_rss / 2**20,
        "peak_pss_mb": measured.tree.peak_pss / 2**20,
        "peak_rss_mb_by_role": _mb_by_role(measured),
        "load": load.result(measured.cpu),
    }


def crawl(
    site: BenchSite, size: int, db_url: str, backend: str, args: argparse.Namespace, logs: Path
) -> dict[str, Any]:
    """``crawler crawl --sitemap`` of ``size`` articles into ``db_url``, measured."""
    log_file = logs / f"crawl-{backend}-{size}.log"
    probe = logs / f"probe-{backend}-{size}.json"
    command = [str(CRAWLER)]
    if args.probe:  # the same crawl, with a sampler thread and a timer (bench/reactorprobe.py)
        command = [sys.executable, str(Path(__file__).with_name("reactorprobe.py")), str(probe)]
    command += ["crawl", "--sitemap", f"{site.base_url}{sitemap_path(size)}"]
    command += ["--db", db_url, "--quiet", "--log-file", str(log_file)]
    settings = dict(BENCH_SETTINGS)
    if args.workers:
        settings["CRAWLER_EXTRACT_WORKERS"] = str(args.workers)
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    app = sa.engine.make_url(db_url).query.get("application_name")
    backends = PostgresBackends(db_url, str(app)) if app else None
    server_cpu = site.cpu_seconds()
    try:
        with LoadMeter() as load:
            measured = run_measured(
                command, keep=[site.pid], extra_pids=backends, timeout=600 + size / 2
            )
    finally:
        if backends is not None:
            backends.close()
    _checked(measured, f"crawl into {backend}")
    server_cpu = site.cpu_seconds() - server_cpu
    backend_cpu = measured.tree.cpu_of(measured.tree.extra)
    stats = _last_run_stats(db_url)
    return {
        "backend": backend,
        "size": size,
        "wall": measured.wall,
        "cpu": measured.cpu,
        "scrapy_cpu": measured.root_cpu,
        "worker_cpu": measured.other_cpu,
        "db_server_cpu": backend_cpu,
        "bench_server_cpu": server_cpu,
        "peak_rss_mb": measured.tree.peak_rss / 2**20,
        "peak_pss_mb": measured.tree.peak_pss / 2**20,
        "peak_processes": measured.tree.peak_processes,
        "peak_rss_mb_by_role": _mb_by_role(measured),
        "rss_series_mb": [(t, round(b / 2**20, 1)) for t, b in measured.tree.rss_series[::10]],
        "stats": stats,
        "load": load.result(measured.cpu + server_cpu + backend_cpu),
        "log": str(log_file),
        "probe": json.loads(probe.read_text()) if args.probe and probe.exists() else None,
    }


def _mb_by_role(measured: Measured) -> dict[str, float]:
    peaks = measured.tree.peak_rss_by_role()
    return {
        role: value if role == "workers" else round(value / 2**20, 1)
        for role, value in peaks.items()
    }


def _checked(measured: Measured, what: str) -> Measured:
    if measured.returncode != 0:
        sys.stderr.write(measured.stderr[-4000:])
        raise SystemExit(f"bench: {what} failed with exit status {measured.returncode}")
    return measured


class PostgresBackends:
    """The pids of the PostgreSQL server processes serving one ``application_name``."""

    def __init__(self, db_url: str, application_name: str) -> None:
        url = sa.engine.make_url(db_url).difference_update_query(["options", "application_name"])
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.application_name = application_name

    def __call__(self) -> list[int]:
        query = sa.text("select pid from pg_stat_activity where application_name = :name")
        with self.engine.connect() as conn:
            return [int(p) for p in conn.execute(query, {"name": self.application_name}).scalars()]

    def close(self) -> None:
        self.engine.dispose()


def _last_run_stats(db_url: str) -> dict[str, Any]:
    database = open_database(db_url, migrate=False)
    try:
        runs = database.recent_runs(1)
        return dict(runs[0].stats) if runs else {}
    finally:
        database.close()


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A URL into a new schema of ``server_url`` (dropped afterwards), with an
    ``application_name`` that finds its server processes."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{name}"'))
    sep = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{sep}options=-csearch_path%3D{name}&application_name={name}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{name}" cascade'))
        engine.dispose()


def _source(args: argparse.Namespace) -> list[str]:
    return ["--generated"] if args.generated else ["--data", str(args.data)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement of the bench, as one JSON-able dict."""
    if not become_subreaper():
        print(
            "bench: cannot become a subreaper; CPU of orphaned workers may be missed",
            file=sys.stderr,
        )
    data = None if args.generated else args.data
    pages = PageSet.load(data)
    sizes = sorted(set(args.sizes))
    results: dict[str, Any] = {
        "machine": machine_info(),
        "pages": pages.kind,
        "settings": {**BENCH_SETTINGS, "CRAWLER_EXTRACT_WORKERS": str(args.workers)},
        "sizes": sizes,
        "crawls": [],
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    with BenchSite(pages=max(sizes), data=data) as site:
        server = load_test(site, min(2000, max(sizes)))
        results["server"] = {
            "pages_per_second": server.pages_per_second,
            "cpu_ms_per_page": server.server_cpu_ms_per_page,
        }
        results["ceilings"] = [ceiling(site, sizes[0], args)]
        _checkpoint(results, args, f"ceiling, {sizes[0]} pages")
        first = f"sqlite:///{logs / f'bench-{sizes[0]}.db'}"
        results["crawls"].append(crawl(site, sizes[0], first, "sqlite", args, logs))
        items = stored_items(first, args.store_items)
        results["store_sqlite"] = asdict(measure_store(items, f"sqlite:///{logs / 'store.db'}"))
        _checkpoint(results, args, f"crawl into SQLite, {sizes[0]} pages")
        if args.postgres:
            with postgres_schema(args.postgres) as pg_url:
                results["crawls"].append(crawl(site, sizes[0], pg_url, "postgresql", args, logs))
                items = stored_items(pg_url, args.store_items)
            with postgres_schema(args.postgres) as empty:
                results["store_postgresql"] = asdict(measure_store(items, empty))
            _checkpoint(results, args, f"crawl into PostgreSQL, {sizes[0]} pages")
        profile = min(args.profile_pages, sizes[0])
        inproc = [measure_extract_article(pages, profile, site.base_url)]
        inproc += measure_trafilatura(pages, profile, site.base_url)
        results["in_process"] = [r.as_dict() for r in inproc]
        if args.peers:
            peers: list[CpuPerPage] = measure_peers(profile, site.base_url, data)
            results["peers"] = [r.as_dict() for r in peers]
        _checkpoint(results, args, "one-process measurements")
        for size in sizes[1:]:
            db_url = f"sqlite:///{logs / f'bench-{size}.db'}"
            results["crawls"].append(crawl(site, size, db_url, "sqlite", args, logs))
            _checkpoint(results, args, f"crawl into SQLite, {size} pages")
            results["ceilings"].append(ceiling(site, size, args))
            _checkpoint(results, args, f"ceiling, {size} pages")
    if not args.keep_logs:
        shutil.rmtree(logs, ignore_errors=True)
    return derive(results)


def _checkpoint(results: dict[str, Any], args: argparse.Namespace, done: str) -> None:
    """Say what is done; save the raw figures so far (``--json``) in case the run is cut."""
    print(f"[{time.strftime('%H:%M:%S')}] done: {done}", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps({**results, "partial": True}, indent=1, default=str))


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[5000, 20000],
        help="article pages per SQLite crawl, comma-separated (5000,20000)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CRAWLER_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (default: $CRAWLER_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--workers", type=int, default=0, help="extraction workers (0 = cores)")
    parser.add_argument(
        "--profile-pages",
        type=int,
        default=181,
        help="pages for the in-process, store and peer measurements",
    )
    parser.add_argument(
        "--store-items",
        type=int,
        default=1000,
        help="articles re-stored to measure dedupe/store CPU",
    )
    parser.add_argument(
        "--no-peers", dest="peers", action="store_false", help="skip news-please and newspaper4k"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=BENCHMARK_DIR)
    source.add_argument("--generated", action="store_true", help="generated pages only")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--keep-logs", action="store_true", help="keep crawl logs and databases")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="sample the crawl process: reactor busy and lag, starved extraction threads "
        "(costs CPU: for diagnosis, not for the figures)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up children on SIGTERM
    if not (args.data / "html").is_dir():
        args.generated = True
    results = run(args)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
