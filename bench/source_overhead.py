#!/usr/bin/env python3
"""What `--source` costs: renacer with and without it (strace for reference), and its cold start.

Usage: python bench/source_overhead.py [--reps 5] [--writes 3000] [--opt-level 1]

The workload is the corpus's write_loop.rs (built with debug info at --opt-level), doing
--writes write syscalls into a temp file. Part 1 times `renacer -o /dev/null -- BIN` against
`renacer --source -o /dev/null -- BIN` (its symbolization cache warmed first) and `strace`,
interleaved, median of --reps. Part 2 times the start-up of symbolization on a short run of the
same binary: `--source` with XDG_CACHE_HOME set to a fresh directory (cold), then again with the
same directory (warm), against the run without --source. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import source_accuracy  # noqa: E402  (a sibling script: the corpus and its cached builds)


def timed(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one run, in seconds; raises if the command fails."""
    start = time.perf_counter()
    done = subprocess.run(list(argv), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])}... exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return elapsed


def with_cache(cache: Path) -> dict[str, str]:
    """The environment with renacer's symbolization cache under `cache`."""
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def steady_state(binary: Path, work: Path, writes: int, reps: int) -> list[str]:
    """Part 1: the long run under each tracer; median wall time and ratios."""
    workload = [str(binary), str(work), str(writes)]
    renacer = source_accuracy.renacer_argv()
    tracers = {
        "native": workload,
        "renacer": [*renacer, "-o", os.devnull, "--", *workload],
        "renacer --source": [*renacer, "--source", "-o", os.devnull, "--", *workload],
    }
    strace = shutil.which("strace")
    if strace:
        tracers["strace"] = [strace, "-o", os.devnull, *workload]
    out = [f"part 1: {binary.name} making {writes} writes, median of {reps}", ""]
    with tempfile.TemporaryDirectory(prefix="renacer-cache-") as cache:
        env = with_cache(Path(cache))
        try:
            timed(tracers["renacer --source"], env)  # warms the symbolization cache
        except RuntimeError as exc:
            out.append(f"renacer --source fails, left out: {exc}")
            del tracers["renacer --source"]
        times: dict[str, list[float]] = {name: [] for name in tracers}
        for _ in range(reps):
            for name, argv in tracers.items():
                times[name].append(timed(argv, env))
    med = {name: statistics.median(v) for name, v in times.items()}
    out.append(f"{'tracer':18} | {'median s':>9} | {'x native':>9} | {'x renacer':>9} | {'x strace':>9}")
    out.append("-" * 66)
    for name, value in med.items():
        vs_strace = f"{value / med['strace']:9.2f}" if "strace" in med else f"{'-':>9}"
        out.append(f"{name:18} | {value:9.3f} | {value / med['native']:9.1f} | "
                   f"{value / med['renacer']:9.2f} | {vs_strace}")
    if "renacer --source" in med:
        per_call = (med["renacer --source"] - med["renacer"]) / writes * 1e6
        out.append(f"\n--source adds {per_call:.1f} us per syscall (stack capture and symbolization)")
    return out


def start_up(binary: Path, work: Path, reps: int) -> list[str]:
    """Part 2: a short run with --source on a cold cache, then warm, against no --source."""
    workload = [str(binary), str(work), "4"]
    renacer = source_accuracy.renacer_argv()
    plain = [*renacer, "-o", os.devnull, "--", *workload]
    source = [*renacer, "--source", "-o", os.devnull, "--", *workload]
    cold, warm, base = [], [], []
    for _ in range(reps):
        with tempfile.TemporaryDirectory(prefix="renacer-cache-") as cache:
            env = with_cache(Path(cache))
            base.append(timed(plain, env))
            try:
                cold.append(timed(source, env))
                warm.append(timed(source, env))
            except RuntimeError as exc:
                return [f"part 2: renacer --source fails: {exc}"]
    b, c, w = statistics.median(base), statistics.median(cold), statistics.median(warm)
    return [
        f"part 2: symbolization start-up on a short run ({binary.name}, 4 writes), median of {reps}", "",
        f"{'renacer (no --source)':32} | {b:7.3f} s",
        f"{'renacer --source, cold cache':32} | {c:7.3f} s | start-up {c - b:7.3f} s",
        f"{'renacer --source, warm cache':32} | {w:7.3f} s | start-up {w - b:7.3f} s",
        "",
        f"cold / warm wall time: {c / w:.2f}; cold / warm start-up: "
        + (f"{(c - b) / (w - b):.1f}" if w - b > 0.001 else "warm start-up below 1 ms"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts and print them."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--writes", type=int, default=3000)
    ap.add_argument("--opt-level", type=int, default=1, choices=source_accuracy.LEVELS)
    opts = ap.parse_args(argv)
    (program,) = source_accuracy.load_corpus(["write_loop.rs"])
    source_accuracy.compile_renacer()
    binary = source_accuracy.build(program, opts.opt_level)
    with tempfile.TemporaryDirectory(prefix="renacer-work-") as work:
        try:
            lines = steady_state(binary, Path(work), opts.writes, opts.reps)
        except RuntimeError as exc:
            lines = [f"part 1 failed: {exc}"]
        print("\n".join(lines), end="\n\n", flush=True)
        print("\n".join(start_up(binary, Path(work), opts.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
