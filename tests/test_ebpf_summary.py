"""-c with --backend ebpf: the kernel's totals against strace -c and against what the fixtures do.

The real-process tests need BPF: they skip when it is not permitted here, and fail under CI=true.
Times differ between any two runs, so rows are compared on the syscalls, calls and errors.
"""

from __future__ import annotations

import io
import random
import re

import numpy as np
import pytest
from bpf_support import require_bpf as _ebpf_permitted

from renacer.analysis.latency import PERCENTILES, bucket_bounds, from_histogram
from renacer.events import SyscallTotals
from renacer.sinks.summary import SummarySink

_ROW = re.compile(r"^ *([\d.]+) +([\d.]+) +(\d+) +(\d+) +(\d+)? +(\w+)$")


def _rows(text: str) -> dict[str, tuple[int, int]]:
    """syscall -> (calls, errors) of a default-columns table, the total included."""
    rows = {}
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            rows[m.group(6)] = (int(m.group(4)), int(m.group(5) or 0))
    return rows


def _heading(text: str) -> list[str]:
    """The table's heading and rule lines."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("% time"))
    return lines[start:start + 2]




# ---- percentiles from a log2 histogram (no kernel needed) ------------------------------------


def _histogram(values: list[int]) -> tuple[int, ...]:
    slots = [0] * 64
    for v in values:
        slots[v.bit_length()] += 1
    return tuple(slots)


def _summary(values: list[int]):
    return from_histogram(len(values), sum(values), min(values), max(values), _histogram(values))


@pytest.mark.parametrize("n", [2, 3, 10, 1001])
def test_histogram_percentiles_lie_in_the_buckets_of_the_exact_ones(n: int) -> None:
    rng = random.Random(n)
    values = sorted(int(rng.lognormvariate(9, 2)) for _ in range(n))
    got = _summary(values)
    assert got.interpolated and got.stddev is None
    assert (got.calls, got.min, got.max) == (n, values[0], values[-1])
    assert got.mean == sum(values) / n
    for p, estimate in zip(PERCENTILES, got.percentiles, strict=True):
        rank = (n - 1) * p / 100
        below, above = values[int(rank)], values[min(int(rank) + 1, n - 1)]
        # numpy interpolates between these two values; the estimate stays within their buckets
        low, high = bucket_bounds(below.bit_length())[0], bucket_bounds(above.bit_length())[1]
        assert max(low, values[0]) <= estimate <= min(high, values[-1]), (p, estimate, below, above)


@pytest.mark.parametrize("values", [[12345], [700] * 9, [7, 7, 7, 512, 512], [0, 1, 1, 3000]])
def test_histogram_percentiles_are_exact_where_the_buckets_tell_all(values: list[int]) -> None:
    # buckets narrowed to one value by min and max (4..7 by min 7, 512..1023 by max 512), or 0 and 1
    got = _summary(values)
    arr = np.array(values, dtype=np.float64)
    assert got.percentiles == pytest.approx([float(np.percentile(arr, p)) for p in PERCENTILES])


def test_the_sink_prints_kernel_totals_as_the_ptrace_table_and_marks_interpolation() -> None:
    out = io.StringIO()
    sink = SummarySink(out, extended=True)
    sink.handle(SyscallTotals(39, "getpid", 2, 0, 3000, 1000, 2000, _histogram([1000, 2000])))
    sink.handle(SyscallTotals(257, "openat", 4, 3, 9000, 1500, 3000, _histogram([1500, 2000, 2500, 3000])))
    later = _histogram([500, 1500, 2000, 2500, 3000])
    sink.handle(SyscallTotals(257, "openat", 5, 4, 9500, 500, 3000, later))
    sink.close()
    text = out.getvalue()
    assert _rows(text) == {"openat": (5, 4), "getpid": (2, 0), "total": (7, 4)}  # a later snapshot replaces
    head, extended = text.split("\n\n")
    assert head.splitlines()[0] == "% time     seconds  usecs/call     calls    errors syscall"
    lines = extended.splitlines()
    assert lines[0].split() == ["syscall", "calls", "min", "max", "mean", "stddev",
                                "~p50", "~p75", "~p90", "~p95", "~p99", "(usecs)"]
    assert lines[2].split()[:6] == ["openat", "5", "0.500", "3.000", "1.900", "-"]
    assert lines[-1].startswith("~ interpolated")


# ---- real processes ------------------------------------------------------------------------


@pytest.mark.needs_strace
@pytest.mark.parametrize(("source", "args", "follow"), [
    ("files.c", (), False),
    ("fork.c", (), True),
    ("summary_counts.c", ("50", "5", "0", "4"), False),
])
def test_ebpf_summary_counts_match_strace(build, strace, renacer, source: str, args: tuple[str, ...],
                                          follow: bool) -> None:
    _ebpf_permitted()
    argv = [str(build(source)), *args]
    flags = ["-f"] if follow else []
    theirs = strace(*flags, "-c", *argv)
    ours = renacer("--backend", "ebpf", *flags, "-c", *argv)
    assert ours.returncode == theirs.returncode, ours.stderr
    assert _rows(ours.stderr) == _rows(theirs.stderr), ours.stderr
    assert _heading(ours.stderr) == _heading(theirs.stderr)


@pytest.mark.parametrize("follow", [True, False])
def test_ebpf_summary_counts_what_the_program_does(build, renacer, follow: bool) -> None:
    # 60 getppid and 7 failing opens in the main thread, 3 threads of 60 getppid each, exit 5
    _ebpf_permitted()
    done = renacer("--backend", "ebpf", *(["-f"] if follow else []), "-c",
                   build("summary_counts.c"), "60", "7", "3", "5")
    rows = _rows(done.stderr)
    assert done.returncode == 5, done.stderr
    assert rows["getppid"] == ((60 * 4 if follow else 60), 0), done.stderr  # without -f: the main thread only
    assert rows["openat"][1] == 7 and rows["clone3"] == (3, 0), done.stderr
    assert "exit_group" not in rows  # it never returns, as under strace
    assert rows["total"] == (sum(c for n, (c, _) in rows.items() if n != "total"),
                             sum(e for n, (_, e) in rows.items() if n != "total"))


def test_ebpf_summary_shows_only_the_traced_set(build, renacer) -> None:
    _ebpf_permitted()
    done = renacer("--backend", "ebpf", "-c", "-e", "trace=getppid,openat",
                   build("summary_counts.c"), "25", "3")
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stderr)
    assert set(rows) == {"getppid", "openat", "total"} and rows["getppid"] == (25, 0), done.stderr
    assert rows["openat"][1] == 3


def test_ebpf_stats_extended_interpolates_and_says_so(build, renacer) -> None:
    # 40 nanosleeps of 1 us, then one of 30 ms: the longest is at least 30 ms, the shortest at most it
    _ebpf_permitted()
    done = renacer("--backend", "ebpf", "--stats-extended", build("latency.c"), "40", "30")
    assert done.returncode == 0, done.stderr
    table, extended = done.stderr.split("\n\n", 1)
    lines = extended.splitlines()
    assert lines[0].split()[6:] == ["~p50", "~p75", "~p90", "~p95", "~p99", "(usecs)"]
    assert lines[-1].startswith("~ interpolated within the kernel's log2 latency buckets")
    rows = {cells[0]: cells[1:] for cells in (ln.split() for ln in lines[2:-1])}
    assert set(rows) == set(_rows(table)) - {"total"}
    sleep = rows["clock_nanosleep"]
    calls, stddev = int(sleep[0]), sleep[4]
    low, high, mean, *percentiles = (float(c) for c in sleep[1:4] + sleep[5:])
    assert calls == 41 and _rows(table)["clock_nanosleep"][0] == 41
    assert stddev == "-"
    assert high >= 30000.0 and low <= mean <= high  # the 30 ms sleep is the longest
    assert low <= percentiles[0] and percentiles == sorted(percentiles) and percentiles[-1] <= high
