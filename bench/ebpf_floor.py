#!/usr/bin/env python3
"""What the eBPF -c figure "traced program's own time against native" is made of, on this kernel.

Usage: python bench/ebpf_floor.py [--reps 15] [--calls 200000]   (root: it loads BPF programs)

The write loop of the suite (bench/workloads/writeloop.c) is run, interleaved and repeated, with:

- nothing attached (native);
- two empty programs on raw_syscalls:sys_enter/sys_exit: the price of the tracepoints alone;
- two programs that only call bpf_ktime_get_ns: the least any per-call timing can cost;
- ``renacer --backend ebpf -f -c``, the real thing.

The floor programs run for every task on the machine (they filter nothing), as renacer's run for every
task before their pid check. Prints the medians of the loop's own time and their ratio to native;
never asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "workloads"))

from catalog import HERE, RENACER, build  # noqa: E402

from renacer.backends.ebpf import bpf  # noqa: E402
from renacer.backends.ebpf.asm import R0, Helper, Program  # noqa: E402


def _program(clock: bool) -> Program:
    p = Program()
    if clock:
        p.call(Helper.KTIME_GET_NS)
    p.mov(R0, 0)
    p.exit()
    return p


def _attached(clock: bool) -> list:
    """Load and attach the floor programs; the objects to close, in reverse."""
    owned: list = []
    for event in ("sys_exit", "sys_enter"):
        prog = bpf.load_program(_program(clock).assemble(), f"rn_floor_{event[4:]}",
                                bpf.PROG_TYPE_RAW_TRACEPOINT)
        owned.append(prog)
        owned.append(bpf.attach_raw_tracepoint(prog, event))
    return owned


def _loop_time(argv: list[str], out: Path) -> float:
    env = dict(os.environ, RENACER_BENCH_TIME=str(out))
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return float(out.read_text())


def _under(clock: bool | None, argv: list[str], out: Path) -> float:
    owned = _attached(clock) if clock is not None else []
    try:
        return _loop_time(argv, out)
    finally:
        while owned:
            owned.pop().close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    why_not = bpf.permitted()
    if why_not is not None:
        print(f"ebpf_floor: {why_not}", file=sys.stderr)
        return 1
    loop = [str(build(HERE / "writeloop.c")), str(args.calls)]
    rows: dict[str, Callable[[Path], float]] = {
        "native": lambda out: _under(None, loop, out),
        "empty programs on sys_enter/sys_exit": lambda out: _under(False, loop, out),
        "programs reading the clock, nothing else": lambda out: _under(True, loop, out),
        "renacer --backend ebpf -f -c": lambda out: _loop_time(
            [*RENACER, "--backend", "ebpf", "-f", "-c", "-o", os.devnull, "--", *loop], out),
    }
    times: dict[str, list[float]] = {name: [] for name in rows}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "loop-time"
        for _ in range(args.reps):
            for name, run in rows.items():
                times[name].append(run(out))
    native = statistics.median(times["native"])
    print(f"write loop, {args.calls} calls, medians of {args.reps} (interleaved)")
    print(f"{'configuration':44} {'loop s':>8} {'x native':>8} {'ns/call over native':>20}")
    for name, values in times.items():
        median = statistics.median(values)
        extra = (median - native) / args.calls * 1e9
        print(f"{name:44} {median:8.4f} {median / native:8.2f} {extra:20.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
