"""The throughput bench's derived figures (rates, ratios, CPU by stage, targets) and its table."""

from __future__ import annotations

from typing import Any

#: Stage CPU counters (milliseconds, summed over the crawl) read from the crawl's stats when
#: the components record them; otherwise the stages are measured apart (see `_stages`).
STAGE_COUNTERS = {
    "extraction": "news/cpu/extract_ms",
    "dates": "news/cpu/dates_ms",
    "dedupe": "news/cpu/dedupe_ms",
    "store": "news/cpu/store_ms",
}
TARGETS = {
    "ratio_sqlite": 0.85,
    "ratio_postgresql": 0.80,
    "rss_mb": 400.0,
    "rss_growth": 0.10,
    "rate_drop": 0.10,
    "vs_news_please": 3.0,
}


def derive(results: dict[str, Any]) -> dict[str, Any]:
    """Add rates, ratios, stage splits, size comparison, peer comparison and target checks."""
    ceilings = {c["pages"]: c for c in results["ceilings"]}
    for ceiling in ceilings.values():
        ceiling["pages_per_second"] = ceiling["pages"] / ceiling["seconds"]
        ceiling["cpu_ms_per_page"] = ceiling["cpu"] * 1000 / ceiling["pages"]
        ceiling["cpu_ms_per_article"] = ceiling["cpu"] * 1000 / max(1, ceiling["articles"])
    extract = next(
        (r for r in results.get("in_process", []) if r["name"] == "extract_article"), None
    )
    for run in results["crawls"]:
        stats = run["stats"]
        listed = sum(v for k, v in stats.items() if k.startswith("news/listed/"))
        run["article_pages"] = pages = int(stats.get("news/pages/fetched", 0)) - int(listed)
        run["stored"] = stored = int(stats.get("news/store/stored", 0)) + int(
            stats.get("news/store/duplicate", 0)
        )
        run["near_duplicates"] = int(stats.get("news/store/duplicate", 0))
        run["elapsed"] = elapsed = float(stats.get("elapsed_time_seconds") or run["wall"])
        run["pages_per_second"] = pages / elapsed
        run["articles_per_second"] = stored / elapsed
        run["cpu_ms_per_stored"] = (run["cpu"] + run["db_server_cpu"]) * 1000 / max(1, stored)
        ceiling = ceilings.get(run["size"], results["ceilings"][0])  # same pages, same hour
        run["ratio_pages"] = run["pages_per_second"] / ceiling["pages_per_second"]
        run["ratio_cpu"] = ceiling["cpu_ms_per_article"] / run["cpu_ms_per_stored"]
        run["bench_server_ms_per_page"] = run["bench_server_cpu"] * 1000 / max(1, pages)
        run["stages"] = _stages(run, results.get(f"store_{run['backend']}"), extract)
    results["size_check"] = _size_check([r for r in results["crawls"] if r["backend"] == "sqlite"])
    results["peer_check"] = _peer_check(results)
    results["targets"] = _targets(results)
    return results


def _stages(
    run: dict[str, Any], store: dict[str, Any] | None, extract: dict[str, Any] | None
) -> dict[str, Any]:
    """CPU ms per stored article by stage, from counters when present, else measured apart."""
    stats, stored = run["stats"], max(1, run["stored"])
    if all(key in stats for key in STAGE_COUNTERS.values()):
        per = {stage: float(stats[key]) / stored for stage, key in STAGE_COUNTERS.items()}
        per["extraction"] -= per["dates"]
        scrapy = run["scrapy_cpu"] * 1000 / stored
        per["download"] = scrapy - per["dedupe"] - per["store"]
        return {**per, "source": "stats counters"}
    pages_per_stored = run["article_pages"] / stored
    workers = run["worker_cpu"] * 1000 / stored
    dates = extract["dates_mean"] * pages_per_stored if extract else 0.0
    dedupe = store["dedupe_ms"] if store else 0.0
    store_py = store["store_ms"] if store else 0.0
    return {
        "download": run["scrapy_cpu"] * 1000 / stored - dedupe - store_py,
        "extraction": workers - dates,
        "dates": dates,
        "dedupe": dedupe,
        "store": store_py + run["db_server_cpu"] * 1000 / stored,
        "source": "Scrapy process and workers from the crawl; dates, dedupe, store apart",
    }


def _size_check(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    if len(runs) < 2:
        return None
    small, large = min(runs, key=lambda r: r["size"]), max(runs, key=lambda r: r["size"])
    return {
        "sizes": [small["size"], large["size"]],
        "rss_growth": large["peak_rss_mb"] / small["peak_rss_mb"] - 1,
        "pss_growth": large["peak_pss_mb"] / small["peak_pss_mb"] - 1,
        "rate_change": large["pages_per_second"] / small["pages_per_second"] - 1,
        # Each against the ceiling over its own pages, measured beside it: the machine's drift
        # between the two crawls cancels out.
        "ratio_change": large["ratio_pages"] / small["ratio_pages"] - 1,
        "cpu_change": large["cpu_ms_per_stored"] / small["cpu_ms_per_stored"] - 1,
    }


def _peer_check(results: dict[str, Any]) -> dict[str, Any] | None:
    peers = {p["name"].split()[0]: p for p in results.get("peers", [])}
    sqlite = next((r for r in results["crawls"] if r["backend"] == "sqlite"), None)
    if "news-please" not in peers or sqlite is None:
        return None
    ours = 1000 / sqlite["cpu_ms_per_stored"]
    theirs = 1000 / peers["news-please"]["mean"]
    return {
        "product_articles_per_cpu_s": ours,
        "news_please_articles_per_cpu_s": theirs,
        "ratio": ours / theirs,
    }


def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for run in results["crawls"]:
        limit = TARGETS[f"ratio_{run['backend']}"]
        for what in ("pages", "cpu"):
            value = run[f"ratio_{what}"]
            checks.append(
                _check(
                    f"{run['backend']} {run['size']}: product/ceiling ({what})",
                    value,
                    f">= {limit}",
                    value >= limit,
                )
            )
        checks.append(
            _check(
                f"{run['backend']} {run['size']}: peak RSS MB",
                run["peak_rss_mb"],
                f"<= {TARGETS['rss_mb']:.0f}",
                run["peak_rss_mb"] <= TARGETS["rss_mb"],
            )
        )
    if size := results["size_check"]:
        growth, drop = size["rss_growth"], -size["rate_change"]
        checks.append(
            _check("peak RSS growth with size", growth, "<= +10%", growth <= TARGETS["rss_growth"])
        )
        checks.append(
            _check("pages/s drop with size", drop, "<= 10%", drop <= TARGETS["rate_drop"])
        )
        drop = -size["ratio_change"]
        checks.append(
            _check(
                "pages/s drop with size, each against its ceiling",
                drop,
                "<= 10%",
                drop <= TARGETS["rate_drop"],
            )
        )
    if peer := results["peer_check"]:
        ratio = peer["ratio"]
        checks.append(
            _check(
                "articles per CPU-s vs news-please",
                ratio,
                ">= 3x",
                ratio >= TARGETS["vs_news_please"],
            )
        )
    return checks


def _check(name: str, value: float, target: str, met: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "target": target, "met": met}


def render(results: dict[str, Any]) -> str:
    """The bench's result as plain-text tables."""
    m, server = results["machine"], results["server"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}",
        f"versions: {versions}",
        f"pages: {results['pages']}; bench site {server['pages_per_second']:.0f} pages/s, "
        f"{server['cpu_ms_per_page']:.2f} ms CPU/page",
        "settings: " + " ".join(f"{k}={v}" for k, v in results["settings"].items()),
        "",
    ]
    rows = [
        ["run", "pages", "stored", "near-dup", "pages/s", "CPU ms/art", "ratio p/s", "ratio CPU",
         "RSS MB", "PSS MB", "others"],
    ]  # fmt: skip
    for c in results["ceilings"]:
        rows.append(
            [f"ceiling {c['pages']} (pool only)", c["pages"], c["articles"], "",
             f"{c['pages_per_second']:.1f}", f"{c['cpu_ms_per_article']:.1f}", "", "",
             f"{c['peak_rss_mb']:.0f}", f"{c['peak_pss_mb']:.0f}",
             f"{c['load']['others_cores']:.2f}"]
        )  # fmt: skip
    for r in results["crawls"]:
        rows.append(
            [f"crawl {r['backend']} {r['size']}", r["article_pages"], r["stored"],
             r["near_duplicates"], f"{r['pages_per_second']:.1f}", f"{r['cpu_ms_per_stored']:.1f}",
             f"{r['ratio_pages']:.2f}", f"{r['ratio_cpu']:.2f}", f"{r['peak_rss_mb']:.0f}",
             f"{r['peak_pss_mb']:.0f}", f"{r['load']['others_cores']:.2f}"]
        )  # fmt: skip
    lines += _table(rows)
    lines += [
        "CPU: user+sys of the whole process tree (+ PostgreSQL backend); RSS: summed over the",
        "processes (PSS: shared pages once); others: cores busy with other people's work.",
        "Ratios: against the ceiling over the same number of pages.",
        "",
    ]
    stages = ["download", "extraction", "dates", "dedupe", "store"]
    rows = [["CPU ms / stored article", *stages, "peak RSS MB by process"]]
    for r in results["crawls"]:
        roles = ", ".join(f"{k} {v}" for k, v in r["peak_rss_mb_by_role"].items())
        label = f"{r['backend']} {r['size']}"
        rows.append([label, *(f"{r['stages'][s]:.2f}" for s in stages), roles])
    lines += _table(rows, left=(0, len(stages) + 1))
    if results["crawls"]:
        lines.append(f"(stages: {results['crawls'][0]['stages']['source']})")
    for r in results["crawls"]:
        if probe := r.get("probe"):
            lag = probe["reactor_lag_ms"]
            lines.append(
                f"probe {r['backend']} {r['size']}: reactor busy {probe['reactor_busy']:.0%}, "
                f"lag p50/p99/max {lag['p50']}/{lag['p99']}/{lag['max']} ms; extraction "
                f"threads waiting for pages {probe['pool_threads_starved']:.0%}"
            )
    lines.append("")
    rows = [["CPU ms per page, one process", "mean", "median", "p95", "failed", "dates"]]
    for p in results.get("in_process", []) + results.get("peers", []):
        dates = f"{p['dates_mean']:.1f}" if p.get("dates_mean") is not None else ""
        rows.append([p["name"], f"{p['mean']:.1f}", f"{p['median']:.1f}", f"{p['p95']:.1f}",
                     p["failures"], dates])  # fmt: skip
    lines += _table(rows)
    for backend in ("sqlite", "postgresql"):
        if s := results.get(f"store_{backend}"):
            lines.append(
                f"store apart ({backend}, {s['articles']} articles): dedupe "
                f"{s['dedupe_ms']:.2f}, store {s['store_ms']:.2f}, database server "
                f"{s['backend_ms']:.2f} ms CPU per article"
            )
    if peer := results["peer_check"]:
        lines.append(
            f"articles per CPU-second: product {peer['product_articles_per_cpu_s']:.1f}, "
            f"news-please {peer['news_please_articles_per_cpu_s']:.1f} ({peer['ratio']:.1f}x)"
        )
    lines += ["", "targets:"]
    for t in results["targets"]:
        verdict = "met" if t["met"] else "MISSED"
        lines.append(f"  [{verdict}] {t['name']}: {t['value']:.3g} (target {t['target']})")
    return "\n".join(lines)


def _table(rows: list[list[Any]], left: tuple[int, ...] = (0,)) -> list[str]:
    """Rows as aligned text: ``left`` columns left-aligned, the others right, a rule under
    the header."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(cells[0]))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return lines
