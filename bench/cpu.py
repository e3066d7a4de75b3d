"""CPU-per-page summaries shared by the in-process and peer measurements (standard library only)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CpuPerPage:
    """Milliseconds of CPU per page of one method."""

    name: str
    pages: int
    mean: float
    median: float
    p95: float
    failures: int = 0
    dates_mean: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def summary(name: str, samples: list[float], failures: int = 0, **extra: Any) -> CpuPerPage:
    """Mean, median and 95th percentile of ``samples`` (milliseconds, one per page)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return CpuPerPage(
        name,
        len(samples),
        statistics.fmean(samples),
        statistics.median(samples),
        p95,
        failures,
        **extra,
    )
