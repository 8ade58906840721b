#!/usr/bin/env python3
"""Wall time of renacer against strace (and no tracer) on the same workloads, in one run.

Usage: python bench/overhead.py [--reps 5] [--writes 20000]

Every tracer runs each workload in turn (interleaved), several times; the table shows the
median wall time and the ratios renacer/strace and tracer/native. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(source: Path) -> Path:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "renacer-bench" / digest / source.stem
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-o", str(out), str(source)], check=True)
    return out


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--writes", type=int, default=20000)
    opts = ap.parse_args()
    import compileall

    import renacer

    compileall.compile_dir(str(Path(renacer.__file__).parent), quiet=1)  # timed runs compile nothing
    strace = shutil.which("strace")
    if strace is None:
        print("strace is not installed: nothing to compare against", file=sys.stderr)
        return 1
    loop = str(build(HERE / "programs/writeloop.c"))
    workloads = {
        f"write loop ({opts.writes} writes)": [loop, str(opts.writes)],
        "ls -la /usr/bin": ["ls", "-la", "/usr/bin"],
        "sh -c 'for i in 1 2 3 4 5; do true; done' (-f)": [
            "sh", "-c", "for i in 1 2 3 4 5; do /bin/true; done"
        ],
    }
    renacer = [sys.executable, "-m", "renacer"]
    tracers = {
        "native": lambda w: w,
        "strace": lambda w: [strace, "-f", "-o", os.devnull, *w],
        "renacer": lambda w: [*renacer, "-f", "-o", os.devnull, *w],
        "strace -e trace=openat": lambda w: [strace, "-f", "-e", "trace=openat", "-o", os.devnull, *w],
        "renacer -e trace=openat": lambda w: [*renacer, "-f", "-e", "trace=openat", "-o", os.devnull, *w],
        "strace -c": lambda w: [strace, "-f", "-c", "-o", os.devnull, *w],
        "renacer -c": lambda w: [*renacer, "-f", "-c", "-o", os.devnull, *w],
        "renacer --stats-extended": lambda w: [*renacer, "-f", "--stats-extended", "-o", os.devnull, *w],
        "renacer --anomaly-realtime": lambda w: [*renacer, "-f", "--anomaly-realtime", "-o", os.devnull, *w],
    }
    peers = {"renacer -e trace=openat": "strace -e trace=openat", "renacer -c": "strace -c",
             "renacer --stats-extended": "strace -c", "renacer --anomaly-realtime": "strace"}
    print(f"{'workload':48} | {'tracer':28} | {'median s':>9} | {'x native':>9} | {'x strace':>9}")
    print("-" * 114)
    for wname, argv in workloads.items():
        times: dict[str, list[float]] = {t: [] for t in tracers}
        for _ in range(opts.reps):
            for tname, wrap in tracers.items():
                times[tname].append(timed(wrap(argv)))
        med = {t: statistics.median(v) for t, v in times.items()}
        for tname in tracers:
            peer = peers.get(tname, tname if tname.startswith("strace") else "strace")
            ratio = med[tname] / med[peer]
            slowdown = med[tname] / med["native"]
            print(f"{wname:48} | {tname:28} | {med[tname]:9.3f} | {slowdown:9.1f} | {ratio:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
