"""Exact latency statistics per syscall: min, max, mean, standard deviation, percentiles.

Every duration is kept, as an unsigned 64-bit integer in an ``array`` (8 bytes a call, no
Python object per call), so percentiles are exact rather than estimated by a sketch: a
million calls of one syscall take 8 MB. Percentiles interpolate linearly between the two
nearest ranks, the method numpy uses by default, so they equal ``numpy.percentile``.

The eBPF backend keeps no durations, only a log2 histogram per syscall (``from_histogram``):
its percentiles are interpolated within the buckets, and its summary says so.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

PERCENTILES = (50, 75, 90, 95, 99)


def percentile(ordered: array | list, p: float) -> float:
    """The ``p``-th percentile of the ascending values ``ordered`` (numpy's 'linear' method)."""
    if not ordered:
        raise ValueError("percentile of no values")
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Latencies:
    """The durations (ns) of one syscall's calls."""

    values: array = field(default_factory=lambda: array("Q"))

    def add(self, duration_ns: int) -> None:
        self.values.append(max(duration_ns, 0))

    def summary(self) -> LatencySummary:
        """min, max, mean, population standard deviation and the percentiles, in ns."""
        ordered = sorted(self.values)
        n = len(ordered)
        mean = math.fsum(ordered) / n
        variance = math.fsum((v - mean) ** 2 for v in ordered) / n
        return LatencySummary(n, ordered[0], ordered[-1], mean, math.sqrt(variance),
                              tuple(percentile(ordered, p) for p in PERCENTILES))


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """One syscall's latency distribution (all values in ns)."""

    calls: int
    min: int
    max: int
    mean: float
    stddev: float | None  # None when not measured (a histogram gives none)
    percentiles: tuple[float, ...]  # at PERCENTILES
    interpolated: bool = False  # percentiles estimated within histogram buckets, not exact


def bucket_bounds(slot: int) -> tuple[int, int]:
    """The durations (ns) a log2 histogram slot holds: those of bit length ``slot``."""
    return (0, 0) if slot == 0 else (1 << (slot - 1), (1 << slot) - 1)


def from_histogram(calls: int, total_ns: int, min_ns: int, max_ns: int,
                   histogram: tuple[int, ...]) -> LatencySummary:
    """A summary from exact calls/total/min/max and a log2 histogram; percentiles interpolated.

    The k-th smallest duration is estimated as the midpoint of its share of its bucket, the
    bucket narrowed to [min, max] (so a bucket holding one distinct value is exact); the
    smallest and largest are the exact min and max. Percentiles then interpolate between the
    estimated ranks as ``percentile`` does between exact ones.
    """
    if calls <= 0:
        raise ValueError("summary of no calls")
    starts: list[tuple[int, int, int]] = []  # (first rank, count, slot) of each non-empty bucket
    rank = 0
    for slot, count in enumerate(histogram):
        if count:
            starts.append((rank, count, slot))
            rank += count

    def estimate(k: int) -> float:
        if k <= 0:
            return float(min_ns)
        if k >= calls - 1:
            return float(max_ns)
        for first, count, slot in starts:
            if k < first + count:
                low, high = bucket_bounds(slot)
                low, high = max(low, min_ns), min(high, max_ns)
                return low + (high - low) * (k - first + 0.5) / count
        return float(max_ns)  # the histogram holds fewer calls than counted (a lost update)

    def interpolate(p: float) -> float:
        at = (calls - 1) * p / 100.0
        low = math.floor(at)
        high = min(low + 1, calls - 1)
        return estimate(low) + (estimate(high) - estimate(low)) * (at - low)

    return LatencySummary(calls, min_ns, max_ns, total_ns / calls, None,
                          tuple(interpolate(p) for p in PERCENTILES), interpolated=True)
