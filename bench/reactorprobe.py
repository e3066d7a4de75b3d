"""Run ``crawler`` with a probe: is the reactor thread saturated, and are the workers starved?

    python bench/reactorprobe.py OUT.json crawl --sitemap URL --db URL ...

A sampler thread looks at every thread's innermost frame every ``PROBE_INTERVAL`` seconds:
the reactor (main) thread is idle when it waits in the selector, busy otherwise (with the
innermost frame of this project's code it was in); an extraction pool thread
(``extract-pool-N``) either waits for a page to send (its worker starves) or waits for its
worker's answer. A 10 ms timer on the reactor records how late it fires (reactor lag).
Only the time the reactor runs is sampled (not imports and start-up). The summary is
written to ``OUT.json`` at exit. Bench only: the crawler never imports this.
"""

from __future__ import annotations

import atexit
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

PROBE_INTERVAL = 0.01
_TICK = 0.01
_PROJECT = ("/crawler/", "/pipelines/", "/spiders/")


class Probe:
    """Samples thread states and reactor lag until the process exits."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.main = threading.main_thread().ident
        self.reactor = Counter[str]()  # idle / busy
        self.busy_in = Counter[str]()
        self.pool = Counter[str]()  # starved / working
        self.lags: list[float] = []
        self._timer_started = False

    def run(self) -> None:
        me = threading.get_ident()
        while True:
            time.sleep(PROBE_INTERVAL)
            if not self._start_timer():
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                if ident == self.main:
                    self._reactor(frame)
                elif names.get(ident, "").startswith("extract-pool"):
                    # SimpleQueue.get is C code: a thread waiting for a page is in _serve.
                    starved = frame.f_code.co_name == "_serve"
                    self.pool["starved" if starved else "working"] += 1

    def _reactor(self, frame: Any) -> None:
        code = frame.f_code
        if code.co_name in ("select", "poll") and code.co_filename.endswith("selectors.py"):
            self.reactor["idle"] += 1
            return
        self.reactor["busy"] += 1
        while frame is not None and frame.f_code.co_name != "_run_once":  # the event loop
            name = frame.f_code.co_filename
            if any(part in name for part in _PROJECT) and "site-packages" not in name:
                short = "/".join(Path(name).parts[-2:])
                self.busy_in[f"{short}:{frame.f_code.co_name}"] += 1
                return
            frame = frame.f_back
        self.busy_in["(Scrapy, Twisted, asyncio)"] += 1

    def _start_timer(self) -> bool:
        """True once the reactor runs (the timer is then on it)."""
        if self._timer_started:
            return True
        reactor = sys.modules.get("twisted.internet.reactor")
        if not getattr(reactor, "running", False):
            return False
        self._timer_started = True

        def tick(due: float | None) -> None:
            if due is not None:
                self.lags.append(time.monotonic() - due)
            reactor.callLater(_TICK, tick, time.monotonic() + _TICK)

        reactor.callFromThread(tick, None)
        return True

    def summary(self) -> dict[str, Any]:
        samples = sum(self.reactor.values()) or 1
        pool = sum(self.pool.values()) or 1
        lags = sorted(self.lags) or [0.0]

        def lag(q: float) -> float:
            return round(lags[min(len(lags) - 1, int(q * len(lags)))] * 1000, 1)

        return {
            "reactor_busy": round(self.reactor["busy"] / samples, 3),
            "pool_threads_starved": round(self.pool["starved"] / pool, 3),
            "reactor_lag_ms": {"p50": lag(0.5), "p99": lag(0.99), "max": lag(1.0)},
            "busy_in": {k: round(v / samples, 4) for k, v in self.busy_in.most_common(15)},
        }

    def write(self) -> None:
        self.out.write_text(json.dumps(self.summary(), indent=1) + "\n")


def main() -> int:
    probe = Probe(Path(sys.argv[1]))
    atexit.register(probe.write)
    threading.Thread(target=probe.run, name="probe", daemon=True).start()
    from crawler.cli import main as crawler_main

    sys.argv = ["crawler", *sys.argv[2:]]
    return crawler_main()


if __name__ == "__main__":
    sys.exit(main())
