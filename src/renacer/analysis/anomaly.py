"""Latency anomalies: calls whose duration is far above what their syscall usually takes.

Two detectors share one measure, the z-score ``(duration - mean) / stddev`` of a call against
the other calls of the same syscall:

- ``Moments`` keeps the exact count, sum and sum of squares of a syscall's durations (Python
  integers, so the mean and the population standard deviation carry no rounding drift) for
  the after-the-run list of ``--anomaly-threshold``;
- ``SlidingWindow`` keeps the last N durations of a syscall for ``--anomaly-realtime``, which
  scores each call against the window *before* the call joins it.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# --anomaly-realtime: how far above the mean a call is, in standard deviations, names its severity
SEVERITIES = (("high", 5.0), ("medium", 4.0), ("low", 0.0))
MIN_WINDOW_SAMPLES = 30  # scores against fewer calls than this (or a smaller full window) say little


def severity(z: float) -> str:
    """'low' (up to 4 sigma), 'medium' (4-5) or 'high' (over 5)."""
    return next(name for name, floor in SEVERITIES if z > floor)


def _stddev(n: int, total: int, squares: int) -> float:
    """Population standard deviation from exact integer moments: sqrt(n*sum(x^2) - sum(x)^2) / n."""
    return math.sqrt(max(n * squares - total * total, 0)) / n if n else 0.0


@dataclass(slots=True)
class Moments:
    """Exact count, sum and sum of squares of one syscall's durations (ns)."""

    n: int = 0
    total: int = 0
    squares: int = 0

    def add(self, value: int) -> None:
        self.n += 1
        self.total += value
        self.squares += value * value

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def stddev(self) -> float:
        return _stddev(self.n, self.total, self.squares)

    def z(self, value: int) -> float:
        """How many standard deviations ``value`` lies above the mean (0 when they all agree)."""
        sd = self.stddev
        return (value - self.mean) / sd if sd > 0 else 0.0


@dataclass(slots=True)
class SlidingWindow:
    """The last ``size`` durations of one syscall, with their sum and sum of squares kept exact."""

    size: int
    values: deque[int] = field(default_factory=deque)
    total: int = 0
    squares: int = 0

    def score(self, value: int) -> tuple[float, float, float] | None:
        """(z, mean, stddev) of ``value`` against the window, or None while the window is too short."""
        n = len(self.values)
        if n < min(self.size, MIN_WINDOW_SAMPLES):
            return None
        sd = _stddev(n, self.total, self.squares)
        if sd <= 0:
            return None  # every call so far took the same time: no scale to measure against
        mean = self.total / n
        return (value - mean) / sd, mean, sd

    def add(self, value: int) -> None:
        if len(self.values) == self.size:
            old = self.values.popleft()
            self.total -= old
            self.squares -= old * old
        self.values.append(value)
        self.total += value
        self.squares += value * value


@dataclass(order=True, slots=True)
class Ranked(Generic[T]):
    """One item of a ``TopN``, ordered by its key (ties by arrival)."""

    key: float
    seq: int
    item: T = field(compare=False)


@dataclass
class TopN(Generic[T]):
    """The ``n`` items with the largest keys seen so far, in bounded memory."""

    n: int
    heap: list[Ranked[T]] = field(default_factory=list)
    seen: int = 0

    def offer(self, key: float, item: T) -> None:
        self.seen += 1
        entry = Ranked(key, -self.seen, item)  # among equal keys the earliest wins
        if len(self.heap) < self.n:
            heapq.heappush(self.heap, entry)
        elif self.heap and entry > self.heap[0]:
            heapq.heapreplace(self.heap, entry)

    def best(self) -> list[Ranked[T]]:
        """The kept items, largest key first."""
        return sorted(self.heap, reverse=True)
