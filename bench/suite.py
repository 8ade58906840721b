#!/usr/bin/env python3
"""The benchmark suite: every workload under no tracer, strace, perf trace and renacer, in one run.

Usage: python bench/suite.py [--reps N] [--slow-reps N] [--quick] [--only WORKLOAD] [--json FILE]

Each round runs every configuration once on a workload, in turn (interleaved); a configuration
whose first run took over --slow-s seconds stops after --slow-reps runs (default 3), the others
after --reps (default 5); figures are medians. Per workload it prints a table (wall time, ratios
to native and to strace, the traced program's own loop time, the tracer's own CPU time and peak
memory) and the -c call counts of renacer against strace's; at the end, the issue's done-when
figures with PASS/FAIL. docs/benchmarks.md says how each figure is measured. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measured, measure  # noqa: E402  (sibling modules of this script)
from workloads.catalog import Config, Workload, configs, workloads  # noqa: E402
from workloads.counts import CountDifference, Table, compare, read_table  # noqa: E402

LOST = re.compile(r"LOST (\d+) events")
MIB = 1024.0
ORACLE = "strace -c"
CHECKED = ("renacer -c", "renacer --backend ebpf -c")
LEGEND = """\
x peer: against the strace configuration doing the same job (the -c rows: strace -c; renacer -e trace=openat
  (seccomp): strace --seccomp-bpf -e trace=openat; full traces: strace); x strace: against strace (default);
prog s, x prog: the traced program's own loop time (timed workloads), and against its native one;
cpu s, peak MiB: the tracer process's own CPU time and peak resident memory (its tracees excluded)
"""


@dataclass(slots=True)
class Row:
    """One configuration's runs on one workload, as they accumulate."""

    config: str
    argv: list[str]
    target: int
    runs: list[Measured] = field(default_factory=list)
    prog_s: list[float] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    failure: str | None = None

    def median(self, attr: str) -> float | None:
        """The median of one Measured field over the runs (None before any run)."""
        values = [getattr(run, attr) for run in self.runs]
        return statistics.median(values) if values else None

    def peak_kib(self) -> int:
        """The highest peak memory over the runs."""
        return max((run.peak_kib for run in self.runs), default=0)

    def prog(self) -> float | None:
        """The median of the traced program's own loop times (None if it reported none)."""
        return statistics.median(self.prog_s) if self.prog_s else None


def failure_of(run: Measured, expected: int) -> str | None:
    """Why a run failed (`failed: <first line>` in its row), or None."""
    first = next((line for line in run.stderr.splitlines() if line.strip()), "")
    if run.timed_out:
        return "timed out"
    if run.status != expected:
        return first or f"exit status {run.status}, not {expected}"
    if first.startswith("renacer:"):
        return first
    return None


def run_once(config: Config, work: Workload, row: Row, scratch: Path, expected: int | None) -> int:
    """Run one configuration once on one workload and add the result to its row; the exit status."""
    out, err, stamp = scratch / "trace.out", scratch / "stderr", scratch / "prog.time"
    for path in (out, stamp):
        path.unlink(missing_ok=True)
    env = {**os.environ, "RENACER_BENCH_TIME": str(stamp)}
    run = measure(config.argv(list(work.argv), str(out)), env, err)
    row.failure = failure_of(run, run.status if expected is None else expected)
    if row.failure is None:
        row.runs.append(run)
        if stamp.exists():
            row.prog_s.append(float(stamp.read_text()))
        if config.summary:
            row.tables.append(read_table(out))
        if config.tool == "renacer" and "--backend" in row.argv:
            text = (out.read_text(errors="replace") if out.exists() else "") + run.stderr
            row.lost.append(sum(int(n) for n in LOST.findall(text)))
    out.unlink(missing_ok=True)
    return run.status


def run_workload(work: Workload, confs: list[Config], opts: argparse.Namespace,
                 scratch: Path) -> dict[str, Row]:
    """Interleaved rounds of every configuration on one workload."""
    rows = {c.name: Row(c.name, c.argv(list(work.argv), "OUT"), opts.reps) for c in confs}
    expected: int | None = None
    for round_no in range(opts.reps):
        for conf in confs:
            row = rows[conf.name]
            if row.failure is not None or len(row.runs) >= row.target:
                continue
            print(f"  [{work.key} round {round_no + 1}] {conf.name} ...", file=sys.stderr, flush=True)
            status = run_once(conf, work, row, scratch, expected)
            if conf.tool == "native" and expected is None:
                expected = status
            if len(row.runs) == 1 and row.runs[0].wall_s > opts.slow_s:
                row.target = min(opts.reps, opts.slow_reps)
    return rows


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, or None when either is missing."""
    return value / base if value is not None and base else None


def cell(value: float | None, fmt: str, width: int) -> str:
    """A right-aligned table cell, '-' for a missing value."""
    return f"{value:{width}{fmt}}" if value is not None else f"{'-':>{width}}"


def table_lines(work: Workload, confs: list[Config], rows: dict[str, Row]) -> list[str]:
    """The per-workload table."""
    native = rows["native"]
    head = (f"{'configuration':38} {'wall s':>8} {'x native':>8} {'x peer':>7} {'x strace':>8} "
            f"{'prog s':>7} {'x prog':>6} {'cpu s':>7} {'peak MiB':>8} {'reps':>4}  notes")
    lines = [f"== {work.key}: {work.title} ==", head, "-" * len(head)]
    for conf in confs:
        row = rows[conf.name]
        if row.failure is not None and not row.runs:
            lines.append(f"{conf.name:38} failed: {row.failure}")
            continue
        wall, peer = row.median("wall_s"), rows[conf.peer].median("wall_s")
        default = rows["strace"].median("wall_s")
        peak = row.peak_kib()
        notes = [f"lost {sum(row.lost)} events"] if row.lost else []
        if any(row.lost):
            notes[0] += f" ({', '.join(map(str, row.lost))} by run)"
        if row.failure is not None:
            notes.append(f"failed later: {row.failure}")
        lines.append(
            f"{conf.name:38} {cell(wall, '.3f', 8)} {cell(ratio(wall, native.median('wall_s')), '.2f', 8)} "
            f"{cell(ratio(wall, peer), '.3f', 7)} {cell(ratio(wall, default), '.3f', 8)} "
            f"{cell(row.prog(), '.3f', 7)} {cell(ratio(row.prog(), native.prog()), '.2f', 6)} "
            f"{cell(row.median('cpu_s'), '.2f', 7)} {cell(peak / MIB if peak else None, '.1f', 8)} "
            f"{len(row.runs):4}  {'; '.join(notes)}")
    return lines


Checks = dict[str, "list[CountDifference] | str"]  # configuration -> differences, or why not compared


def fidelity(rows: dict[str, Row]) -> Checks:
    """Per checked renacer -c configuration: its count differences from strace -f -c (or why none)."""
    oracle = rows.get(ORACLE)
    out: Checks = {}
    for name in CHECKED:
        row = rows.get(name)
        if oracle is None or not oracle.tables or row is None or not row.tables:
            missing = "strace -c" if oracle is None or not oracle.tables else name
            out[name] = f"not compared ({missing} has no table)"
            continue
        out[name] = compare(oracle.tables, row.tables)
    return out


def fidelity_lines(result: Checks, rows: dict[str, Row]) -> list[str]:
    """The fidelity block under a workload's table."""
    lines = ["call counts against strace -f -c (every run of each):"]
    for name, diffs in result.items():
        if isinstance(diffs, str):
            lines.append(f"  {name}: {diffs}")
        elif not diffs:
            table = rows[name].tables[0]
            total = sum(calls for calls, _ in table.values())
            lines.append(f"  {name}: identical ({len(table)} syscalls, {total} calls)")
        else:
            calls = sum(d.field == "calls" for d in diffs)
            lines.append(f"  {name}: calls differ for {calls} syscalls, errors for {len(diffs) - calls}")
            lines += [f"    {d.text()}" for d in diffs]
    return lines


def verdict(name: str, value: float | None, limit: float, unit: str, why: str = "",
            under: bool = False) -> dict[str, object]:
    """One done-when figure: PASS when measured and at most its limit (`under`: below it)."""
    ok = value is not None and (value < limit if under else value <= limit)
    shown = f"{value:.3f}{unit}" if value is not None else f"not measured{': ' + why if why else ''}"
    text = f"{shown} (limit {limit}{unit})"
    return {"figure": name, "value": value, "limit": limit, "pass": ok, "text": text}


def done_when(results: dict[str, dict[str, Row]], checks: dict[str, Checks]) -> list[dict]:
    """The issue's done-when figures, each from this run's medians."""
    w = results.get("write", {})

    def med(conf: str, attr: str = "wall_s") -> float | None:
        return w[conf].median(attr) if conf in w else None

    def why(conf: str) -> str:
        row = w.get(conf)
        return "write loop not run" if row is None else (f"failed: {row.failure}" if row.failure else "")

    ebpf_c, stream = "renacer --backend ebpf -c", "renacer --backend ebpf"
    counts = checks.get("write", {}).get(ebpf_c)
    lost = sum(w[stream].lost) if stream in w and w[stream].runs else None
    peaks = [(row.peak_kib() / MIB, key, name) for key, rows in results.items()
             for name, row in rows.items() if name.startswith("renacer") and row.runs]
    worst = max(peaks) if peaks else None
    figures = [
        verdict("full text trace, ptrace, write loop: renacer / strace wall",
                ratio(med("renacer"), med("strace")), 1.1, "x", why("renacer")),
        verdict("-e trace=openat, write loop: renacer (seccomp) / strace default wall",
                ratio(med("renacer -e trace=openat (seccomp)"), med("strace")), 0.05, "x",
                why("renacer -e trace=openat (seccomp)")),
        verdict("-c eBPF, write loop: renacer / strace -c wall",
                ratio(med(ebpf_c), med("strace -c")), 0.05, "x", why(ebpf_c)),
        verdict("-c eBPF, write loop: traced program's own loop time / native's",
                ratio(w[ebpf_c].prog() if ebpf_c in w else None, w["native"].prog() if w else None), 2.0, "x",
                why(ebpf_c)),
        verdict("-c eBPF, write loop: syscalls whose calls differ from strace -c",
                None if not isinstance(counts, list) else float(sum(d.field == "calls" for d in counts)),
                0.0, "", counts if isinstance(counts, str) else why(ebpf_c)),
        verdict("eBPF streaming full trace, write loop: renacer / strace wall",
                ratio(med(stream), med("strace")), 0.2, "x", why(stream)),
        verdict("eBPF streaming full trace, write loop: lost events",
                None if lost is None else float(lost), 0.0, "", why(stream)),
        verdict(f"peak memory of renacer, worst row ({worst[2]} on {worst[1]})" if worst else
                "peak memory of renacer", worst[0] if worst else None, 150.0, " MiB", "no renacer row ran",
                under=True),
    ]
    if len(results) < 6:
        figures[-1]["text"] += f" [only over: {', '.join(results)}]"
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite and print its tables; exit 0 even when figures FAIL (a bench reports)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=None, help="runs per configuration (default 5, --quick 1)")
    ap.add_argument("--slow-reps", type=int, default=3,
                    help="runs of a configuration whose first run is slow")
    ap.add_argument("--slow-s", type=float, default=5.0, help="what 'slow' means, in seconds (default 5)")
    ap.add_argument("--quick", action="store_true", help="small workloads, one run each (for tests)")
    ap.add_argument("--only", action="append", metavar="WORKLOAD",
                    help="only this workload (repeatable): write, openstat, forkexec, find, pyimports, "
                    "threads")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write every run's figures to FILE")
    opts = ap.parse_args(argv)
    opts.reps = opts.reps or (1 if opts.quick else 5)
    if shutil.which("strace") is None:
        print("strace is not installed: nothing to compare against", file=sys.stderr)
        return 1
    import renacer

    compileall.compile_dir(str(Path(renacer.__file__).parent), quiet=1)  # timed runs compile nothing
    confs = configs()
    results: dict[str, dict[str, Row]] = {}
    checks: dict[str, Checks] = {}
    with tempfile.TemporaryDirectory(prefix="renacer-suite-") as tmp:
        scratch = Path(tmp)
        chosen = workloads(opts.quick, scratch)
        unknown = set(opts.only or ()) - {w.key for w in chosen}
        if unknown:
            ap.error(f"unknown workload {', '.join(sorted(unknown))}")
        print(f"renacer suite: {platform.release()}, {os.cpu_count()} CPUs, reps {opts.reps} (slow rows: "
              f"{opts.slow_reps} when the first run exceeds {opts.slow_s} s), medians", flush=True)
        print(LEGEND, flush=True)
        for work in chosen:
            if opts.only and work.key not in opts.only:
                continue
            rows = run_workload(work, confs, opts, scratch)
            results[work.key] = rows
            checks[work.key] = fidelity(rows)
            print("\n".join(table_lines(work, confs, rows) + fidelity_lines(checks[work.key], rows)) + "\n",
                  flush=True)
    figures = done_when(results, checks)
    print("done when (figures from this run):")
    for fig in figures:
        print(f"  {'PASS' if fig['pass'] else 'FAIL'}  {fig['figure']}: {fig['text']}")
    if opts.json:
        dump = {"reps": opts.reps, "quick": opts.quick, "kernel": platform.release(), "cpus": os.cpu_count(),
                "workloads": {key: {"rows": {name: asdict(row) for name, row in rows.items()},
                                    "counts": {name: d if isinstance(d, str) else [asdict(x) for x in d]
                                               for name, d in checks[key].items()}}
                              for key, rows in results.items()},
                "done_when": figures}
        opts.json.write_text(json.dumps(dump, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
