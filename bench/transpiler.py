#!/usr/bin/env python3
"""What the transpiler options cost: `--transpiler-map` against plain `--source`, and
`--trace-transpiler-decisions` against a plain trace, with strace for reference.

Usage: python bench/transpiler.py [--reps 5]

The workload is tests/programs/transpiled_app.rs (rustc -g -C opt-level=1): about 1,600 syscalls,
most of them from its "transpiled" functions, which its map (transpiled_app.map.json) takes back
to the Python it came from. Each configuration runs --reps times, interleaved, writing its trace
to /dev/null; prints the median wall time and its ratio to strace and to the configuration it
adds to. The symbolization cache is warmed first. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent.parent / "tests" / "programs"
RENACER = [sys.executable, "-m", "renacer", "-o", "/dev/null"]


def build(work: Path) -> Path:
    """The fixture, compiled as the tests compile it."""
    binary = work / "transpiled_app"
    subprocess.run(["rustc", "-g", "-C", "opt-level=1", "--edition", "2021", "-o", str(binary),
                    str(PROGRAMS / "transpiled_app.rs")], check=True, capture_output=True)
    return binary


def timed(argv: list[str], cwd: Path) -> float:
    """Wall time of one run in seconds; raises if it fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=600, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])}... exited {done.returncode}: {done.stderr[-300:]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    strace = shutil.which("strace")
    with tempfile.TemporaryDirectory(prefix="renacer-bench-") as tmp:
        work = Path(tmp)
        binary = str(build(work))
        mapped = ["--transpiler-map", str(PROGRAMS / "transpiled_app.map.json")]
        configs = {
            "strace": [strace, "-o", "/dev/null", binary] if strace else None,
            "renacer": [*RENACER, binary],
            "renacer --trace-transpiler-decisions": [*RENACER, "--trace-transpiler-decisions", binary],
            "renacer --source": [*RENACER, "--source", binary],
            "renacer --transpiler-map": [*RENACER, *mapped, binary],
        }
        runs = {name: [] for name, argv in configs.items() if argv}
        timed(configs["renacer --transpiler-map"], work)  # the symbolization cache, warmed
        for _ in range(args.reps):
            for name in runs:
                runs[name].append(timed(configs[name], work))  # type: ignore[arg-type]
    median = {name: statistics.median(times) for name, times in runs.items()}
    base = {"renacer --trace-transpiler-decisions": "renacer", "renacer --transpiler-map": "renacer --source"}
    print(f"transpiled_app.rs, about 1,600 syscalls; median of {args.reps} interleaved runs")
    for name, seconds in median.items():
        vs_strace = f"{seconds / median['strace']:.2f}x strace" if "strace" in median else ""
        extra = f", {seconds / median[base[name]]:.2f}x {base[name]}" if name in base else ""
        print(f"  {name:40} {seconds * 1000:8.1f} ms  {vs_strace}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
