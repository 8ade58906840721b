"""``-c`` / ``-C``: strace's table of calls, errors and time per syscall, over every traced task.

Times are the wall-clock time between a call's entry and exit stops (strace's ``-w``); strace
without ``-w`` shows system time instead, which ptrace does not give per call, so ``-w`` and
its absence print the same here.

The eBPF backend adds up in the kernel and sends one ``SyscallTotals`` per syscall instead of
the calls; the table is the same, and --stats-extended's percentiles come from its log2
histogram, interpolated, and are marked so (``~p50``, and a note under the table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from ..analysis.latency import PERCENTILES, Latencies, from_histogram
from ..errors import RenacerError
from ..events import Event, SyscallEvent, SyscallTotals


@dataclass(slots=True)
class CallStats:
    """What one syscall added up to."""

    nr: int
    name: str
    calls: int = 0
    errors: int = 0
    total_ns: int = 0
    min_ns: int | None = None
    max_ns: int = 0

    def add(self, duration_ns: int, failed: bool) -> None:
        self.calls += 1
        self.errors += failed
        self.total_ns += duration_ns
        self.min_ns = duration_ns if self.min_ns is None else min(self.min_ns, duration_ns)
        self.max_ns = max(self.max_ns, duration_ns)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: its heading, its width, and how a row fills it."""

    heading: str
    width: int
    cell: Callable[[CallStats, int], str]  # (stats, total ns of all calls) -> text
    left: bool = False


def _pct(s: CallStats, total: int) -> str:
    return f"{100.0 * s.total_ns / total if total else 0.0:6.2f}"


def _seconds(ns: int, width: int) -> str:
    return f"{ns / 1e9:{width}.6f}"


COLUMNS: dict[str, Column] = {
    "time-percent": Column("% time", 6, _pct),
    "total-time": Column("seconds", 11, lambda s, t: _seconds(s.total_ns, 11)),
    "avg-time": Column("usecs/call", 11, lambda s, t: f"{s.total_ns // 1000 // max(s.calls, 1):11d}"),
    "min-time": Column("shortest", 8, lambda s, t: _seconds(s.min_ns or 0, 8)),
    "max-time": Column("longest", 8, lambda s, t: _seconds(s.max_ns, 8)),
    "calls": Column("calls", 9, lambda s, t: f"{s.calls:9d}"),
    "errors": Column("errors", 9, lambda s, t: f"{s.errors:9d}" if s.errors else " " * 9),
    "name": Column("syscall", 16, lambda s, t: s.name, left=True),
}
COLUMN_ALIASES = {
    "%time": "time-percent", "time_percent": "time-percent", "time": "time-percent",
    "seconds": "total-time", "total_time": "total-time", "usecs/call": "avg-time", "avg_time": "avg-time",
    "shortest": "min-time", "min_time": "min-time", "longest": "max-time", "max_time": "max-time",
    "count": "calls", "error": "errors", "syscall": "name", "syscall_name": "name",
}
DEFAULT_COLUMNS = ("time-percent", "total-time", "avg-time", "calls", "errors", "name")

# -S: the key each row is sorted by (largest first, names A to Z); ties go by syscall number.
SORT_KEYS: dict[str, Callable[[CallStats], tuple]] = {
    "time": lambda s: (-s.total_ns, s.nr),
    "min-time": lambda s: (-(s.min_ns or 0), s.nr),
    "max-time": lambda s: (-s.max_ns, s.nr),
    "avg-time": lambda s: (-(s.total_ns // max(s.calls, 1)), s.nr),
    "calls": lambda s: (-s.calls, s.nr),
    "errors": lambda s: (-s.errors, s.nr),
    "name": lambda s: (s.name, s.nr),
    "nothing": lambda s: (s.nr,),
}
SORT_ALIASES = {"total-time": "time", "total_time": "time", "count": "calls", "error": "errors",
                "syscall": "name", "none": "nothing", "shortest": "min-time", "longest": "max-time",
                "min_time": "min-time", "max_time": "max-time", "avg_time": "avg-time"}


def parse_sort(key: str) -> str:
    """``-S KEY`` checked and spelled canonically."""
    key = SORT_ALIASES.get(key, key)
    if key not in SORT_KEYS:
        raise RenacerError(f"invalid sortby: '{key}'")
    return key


def parse_columns(spec: str) -> tuple[str, ...]:
    """``-U name,calls,...``: the columns, in the order given."""
    columns = []
    for item in spec.split(","):
        key = COLUMN_ALIASES.get(item, item)
        if key not in COLUMNS:
            raise RenacerError(f"unknown column name: '{item}'")
        columns.append(key)
    return tuple(columns)


@dataclass
class SummarySink:
    """Adds up every finished syscall; ``close`` writes strace's ``-c`` table to ``out``."""

    out: TextIO
    sort: str = "time"
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    extended: bool = False  # --stats-extended: the latency table after strace's
    stats: dict[int, CallStats] = field(default_factory=dict)
    latencies: dict[int, Latencies] = field(default_factory=dict)
    kernel_totals: dict[int, SyscallTotals] = field(default_factory=dict)  # eBPF: the latest per syscall
    final_after: float | None = None  # --summary-interval: seconds traced, to head the final table

    def handle(self, ev: Event) -> None:
        """Count one event (only finished syscalls count; a call that never returned does not)."""
        if isinstance(ev, SyscallEvent) and ev.retval is not None and not ev.unfinished:
            s = self.stats.get(ev.nr)
            if s is None:
                s = self.stats[ev.nr] = CallStats(ev.nr, ev.name)
            s.add(ev.exit_ns - ev.enter_ns, bool(ev.error))
            if self.extended:
                self.latencies.setdefault(ev.nr, Latencies()).add(ev.exit_ns - ev.enter_ns)
        elif isinstance(ev, SyscallTotals) and ev.calls:
            # totals are cumulative: a later snapshot of the same syscall replaces the earlier one
            self.stats[ev.nr] = CallStats(ev.nr, ev.name, ev.calls, ev.errors, ev.total_ns,
                                          ev.min_ns, ev.max_ns)
            self.kernel_totals[ev.nr] = ev

    def table(self) -> list[str]:
        """The table's lines."""
        cols = [COLUMNS[c] for c in self.columns]
        rows = sorted(self.stats.values(), key=SORT_KEYS[self.sort])
        total = CallStats(-1, "total")
        for s in rows:
            total.calls += s.calls
            total.errors += s.errors
            total.total_ns += s.total_ns
            total.max_ns = max(total.max_ns, s.max_ns)
            if s.min_ns is not None:
                total.min_ns = s.min_ns if total.min_ns is None else min(total.min_ns, s.min_ns)
        all_ns = total.total_ns

        def line(cells: list[str]) -> str:
            return " ".join(cells).rstrip()

        def fill(c: Column, text: str) -> str:
            return text.ljust(c.width) if c.left else text.rjust(c.width)

        rule = line(["-" * c.width for c in cols])
        lines = [line([fill(c, c.heading) for c in cols]), rule]
        lines += [line([fill(c, c.cell(s, all_ns)) for c in cols]) for s in rows]
        lines.append(rule)
        total_cells = [fill(c, "100.00" if c.heading == "% time" else c.cell(total, all_ns)) for c in cols]
        lines.append(line(total_cells))
        return lines

    def extended_table(self) -> list[str]:
        """--stats-extended: per syscall, the latency distribution in microseconds."""
        mark = "~" if self.kernel_totals else ""  # eBPF: percentiles interpolated from a histogram
        heads = ["calls", "min", "max", "mean", "stddev", *(f"{mark}p{p}" for p in PERCENTILES)]
        lines = [f"{'syscall':<16s} " + " ".join(f"{h:>11s}" for h in heads) + "  (usecs)"]
        lines.append("-" * 16 + " " + " ".join("-" * 11 for _ in heads))
        for s in sorted(self.stats.values(), key=SORT_KEYS[self.sort]):
            t = self.kernel_totals.get(s.nr)
            lat = (self.latencies[s.nr].summary() if t is None
                   else from_histogram(t.calls, t.total_ns, t.min_ns, t.max_ns, t.histogram))
            cells = [f"{lat.calls:11d}"] + [f"{v / 1000:11.3f}" if v is not None else f"{'-':>11s}" for v in (
                lat.min, lat.max, lat.mean, lat.stddev, *lat.percentiles)]
            lines.append(f"{s.name:<16s} " + " ".join(cells))
        if mark:
            lines.append("~ interpolated within the kernel's log2 latency buckets (eBPF); calls, min, max "
                         "and mean are exact; stddev (-) is not measured")
        return lines

    def tables(self) -> list[str]:
        """strace's table, then (--stats-extended) the latency one."""
        lines = self.table()
        if self.extended and self.stats:
            lines += ["", *self.extended_table()]
        return lines

    def interim(self, elapsed: float, final: bool = False) -> None:
        """--summary-interval: the tables so far, under a line saying when they were taken."""
        kind = "final" if final else "cumulative, still tracing"
        self._write([f"--- summary after {elapsed:.3f} s ({kind}) ---", *self.tables()])

    def close(self) -> None:
        """Write the table (and the extended one)."""
        if self.final_after is not None:
            self.interim(self.final_after, final=True)
        else:
            self._write(self.tables())

    def _write(self, lines: list[str]) -> None:
        self.out.write("".join(f"{ln}\n" for ln in lines))
        self.out.flush()
