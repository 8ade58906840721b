#!/usr/bin/env python3
"""What reading a traced CPython program's own Python frames costs renacer.

Usage: python bench/python_overhead.py [--reps 5] [--iterations 1000] [--python PATH]

The workload is bench/programs/py_workload.py: the interpreter's start-up, then --iterations
rounds of os.stat + os.write (2 syscalls each) made 10 Python frames deep, between two getppid
markers. Part 1, per interpreter: the workload runs under a small ptrace loop in this process,
and at each syscall entry `PythonStacks.stack` is called as renacer's StackCapture calls it
(module map re-read after a mapping call, fs_base read lazily); each call is timed with
perf_counter_ns. Median and p90 in microseconds, for the steady loop and for start-up apart,
the frames read, and beside it the whole StackCapture.capture at the same stops. Part 2, per
interpreter: wall time of `renacer --source -o /dev/null -- PYTHON WORKLOAD` against `renacer
-o /dev/null -- PYTHON WORKLOAD`, strace and the untraced run for reference, interleaved,
median of --reps. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import source_accuracy  # noqa: E402  (a sibling script: compile_renacer, renacer_argv)
from source_overhead import timed  # noqa: E402  (one timed run, as the native bench times it)

from renacer.arch import current  # noqa: E402
from renacer.backends.ptrace import libc  # noqa: E402
from renacer.backends.ptrace.memory import ProcessMemory  # noqa: E402
from renacer.backends.ptrace.stacks import StackCapture  # noqa: E402
from renacer.backends.ptrace.tracer import MAPPING_CALLS, maps_code  # noqa: E402
from renacer.config import Config  # noqa: E402
from renacer.pystack import PythonStacks  # noqa: E402
from renacer.source.registers import register_set, thread_pointer  # noqa: E402
from renacer.source.unwind import Unwinder  # noqa: E402

WORKLOAD = BENCH / "programs" / "py_workload.py"
PYENV = "/root/.pyenv/versions"
INTERPRETERS = {
    "3.10.13": f"{PYENV}/3.10.13/bin/python3",
    "3.11.7": f"{PYENV}/3.11.7/bin/python3",
    "3.12.1": f"{PYENV}/3.12.1/bin/python3",
    "3.13.0": f"{PYENV}/3.13.0/bin/python3",
    "debian-3.11": "/usr/bin/python3.11",
}
LOOP_DEPTH = 10  # frames of py_workload.py's step(): module, main, 7 x nest, step


@dataclass(frozen=True, slots=True)
class ReadCost:
    """Timed stack reads of one interpreter's run: steady loop and start-up apart."""

    name: str
    steady_ns: tuple[int, ...]
    startup_ns: tuple[int, ...]
    first_ns: int  # the first read that found frames (finds the runtime, checks offsets)
    capture_ns: tuple[int, ...]  # StackCapture.capture at the same steady-loop stops
    depths: Counter[int]  # frames per steady-loop read
    in_step: int  # steady-loop reads whose innermost frame is step() of the workload


def percentile(values: Sequence[int], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def traced_reads(python: str, work: Path, iterations: int, name: str) -> ReadCost:
    """Run the workload under ptrace and time PythonStacks.stack at every syscall entry."""
    arch = current()
    names = arch.syscalls
    pid = os.fork()
    if pid == 0:  # the child: be traced, then become the workload
        try:
            libc.ptrace(0, 0)  # PTRACE_TRACEME
            os.execv(python, [python, str(WORKLOAD), str(work), str(iterations)])
        finally:
            os._exit(127)
    libc.wait(pid)  # the exec stop
    libc.ptrace(libc.PTRACE_SETOPTIONS, pid, 0, libc.PTRACE_O_TRACESYSGOOD | libc.PTRACE_O_EXITKILL)
    regs = register_set(arch.name)
    unwinder, stacks, memory = Unwinder(arch.name), PythonStacks(regs.pthread_below), ProcessMemory(pid)
    capture = StackCapture(Config(), arch.name, None)  # renacer's whole per-syscall step, apart
    steady: list[int] = []
    captures: list[int] = []
    startup: list[int] = []
    depths: Counter[int] = Counter()
    first, in_step, markers, mapped, deliver = 0, 0, 0, True, 0

    def fs_base() -> int | None:
        block = libc.get_regs(pid)
        return None if block is None else thread_pointer(block)

    try:
        while True:
            libc.ptrace(libc.PTRACE_SYSCALL, pid, 0, deliver)
            _, status = libc.wait(pid)
            if not os.WIFSTOPPED(status):
                break
            sig, deliver = os.WSTOPSIG(status), 0
            if sig != signal.SIGTRAP | 0x80:
                deliver = 0 if sig in (signal.SIGTRAP, signal.SIGSTOP) else sig
                continue
            info = libc.get_syscall_info(pid)
            if info.op != libc.SYSCALL_INFO_ENTRY:
                continue
            syscall = names.get(info.words[0], "?")
            modules = unwinder.module_map(pid, memory, fresh=mapped)
            start = time.perf_counter_ns()
            found = stacks.stack(pid, pid, memory, modules, fs_base)
            took = time.perf_counter_ns() - start
            start = time.perf_counter_ns()
            capture.capture(pid, pid, memory, info.instruction_pointer, info.stack_pointer, mapped)
            captured = time.perf_counter_ns() - start
            # every call stops here, so the last one tells whether code was mapped since the last capture
            mapped = syscall in MAPPING_CALLS and maps_code(syscall, tuple(info.words))
            if syscall == "getppid":
                markers += 1
            elif markers == 1:  # inside the steady loop
                steady.append(took)
                captures.append(captured)
                depths[len(found or ())] += 1
                in_step += bool(found) and found[0].qualname == "step" and found[0].filename == str(WORKLOAD)
                continue
            if markers == 0 and found and not first:
                first = took
            elif markers == 0:
                startup.append(took)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            libc.wait(pid)
        except (ProcessLookupError, ChildProcessError, OSError):
            pass
    return ReadCost(name, tuple(steady), tuple(startup), first, tuple(captures), depths, in_step)


def part1(pythons: dict[str, str], iterations: int) -> list[str]:
    """Stack-read cost per interpreter, as a table."""
    out = [f"part 1: cost of one PythonStacks.stack read (us), {iterations} x (stat + write) "
           f"at depth {LOOP_DEPTH}", ""]
    out.append(f"{'interpreter':12} | {'reads':>5} | {'median':>7} | {'p90':>7} | {'frames':>6} | "
               f"{'in step':>7} | {'start-up med':>12} | {'first':>7} | {'capture':>7}")
    out.append("-" * 98)
    for name, python in pythons.items():
        with tempfile.TemporaryDirectory(prefix="renacer-pywork-") as work:
            cost = traced_reads(python, Path(work), iterations, name)
        if not cost.steady_ns:
            out.append(f"{name:12} | no reads in the steady loop (the workload did not run?)")
            continue
        frames = "/".join(str(d) for d, _ in cost.depths.most_common(2))
        boot = f"{statistics.median(cost.startup_ns) / 1e3:12.1f}" if cost.startup_ns else f"{'-':>12}"
        out.append(f"{name:12} | {len(cost.steady_ns):5} | {statistics.median(cost.steady_ns) / 1e3:7.1f} | "
                   f"{percentile(cost.steady_ns, 0.9) / 1e3:7.1f} | {frames:>6} | "
                   f"{cost.in_step:7} | {boot} | {cost.first_ns / 1e3:7.0f} | "
                   f"{statistics.median(cost.capture_ns) / 1e3:7.1f}")
    out += ["", "frames: most common depth of a steady-loop read (expected "
            f"{LOOP_DEPTH}); in step: reads whose innermost frame is the workload's step();",
            "start-up med: reads before the loop's first getppid; first: the first read that found frames;",
            "capture: median of StackCapture.capture at the same stops (module map, registers, "
            "SourceFrames: what --source pays per syscall)."]
    return out


RUNS = ("untraced", "renacer", "renacer --source", "strace")


def wall_times(python: str, iterations: int, reps: int) -> dict[str, float]:
    """Median wall time of each run of the workload (strace left out if missing), interleaved."""
    renacer = source_accuracy.renacer_argv()
    with tempfile.TemporaryDirectory(prefix="renacer-pywork-") as tmp:
        work, cache = Path(tmp) / "work", Path(tmp) / "cache"
        work.mkdir()
        workload = [python, str(WORKLOAD), str(work), str(iterations)]
        runs = {
            "untraced": workload,
            "renacer": [*renacer, "-o", os.devnull, "--", *workload],
            "renacer --source": [*renacer, "--source", "-o", os.devnull, "--", *workload],
        }
        strace = shutil.which("strace")
        if strace:
            runs["strace"] = [strace, "-o", os.devnull, *workload]
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        timed(runs["renacer --source"], env)  # warms any cache --source keeps
        times: dict[str, list[float]] = {run: [] for run in runs}
        for _ in range(reps):
            for run, argv in runs.items():
                times[run].append(timed(argv, env))
    return {run: statistics.median(v) for run, v in times.items()}


def part2(pythons: dict[str, str], iterations: int, reps: int) -> list[str]:
    """renacer with and without --source on the workload, strace for reference: wall times."""
    out = [f"part 2: wall time of py_workload.py ({iterations} x 2 syscalls plus start-up), "
           f"median of {reps} interleaved runs, seconds", ""]
    out.append(f"{'interpreter':12} | {'untraced':>8} | {'renacer':>8} | {'--source':>8} | {'strace':>8} | "
               f"{'--source/renacer':>16} | {'renacer/strace':>14}")
    out.append("-" * 97)
    for name, python in pythons.items():
        try:
            med = wall_times(python, iterations, reps)
        except RuntimeError as exc:
            out.append(f"{name:12} | failed: {exc}")
            continue
        cells = " | ".join(f"{med[run]:8.3f}" if run in med else f"{'-':>8}" for run in RUNS)
        strace = f"{med['renacer'] / med['strace']:14.2f}" if "strace" in med else f"{'-':>14}"
        out.append(f"{name:12} | {cells} | {med['renacer --source'] / med['renacer']:15.2f}x | {strace}")
    out += ["", "--source/renacer: `renacer --source -o /dev/null` over `renacer -o /dev/null` "
            "(target <= 1.5x)"]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts and print them."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=1000, help="stat + write rounds (2 syscalls each)")
    ap.add_argument("--python", help="one interpreter for both parts (default: each of INTERPRETERS)")
    opts = ap.parse_args(argv)
    if opts.python:
        pythons = {Path(opts.python).name: opts.python}
    else:
        pythons = {}
        for name, path in INTERPRETERS.items():
            if os.access(path, os.X_OK):
                pythons[name] = path
            else:
                print(f"{name}: {path} is missing, skipped")
    if not pythons or not all(os.access(p, os.X_OK) for p in pythons.values()):
        print(f"no interpreter to run: {', '.join(pythons.values()) or 'none found'}")
        return 0
    source_accuracy.compile_renacer()
    print("\n".join(part1(pythons, opts.iterations)), end="\n\n", flush=True)
    print("\n".join(part2(pythons, opts.iterations, opts.reps)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
