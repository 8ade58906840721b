#!/usr/bin/env python3
"""Symbolization start-up, cold (DWARF parsed) against warm (tables from the cache), on a Rust binary.

Usage: python bench/symbolize_startup.py [--reps 3] [--all-units]

Builds tests/programs/sym_rust.rs with ``rustc -g -C opt-level=2``, then in fresh processes
symbolizes the return addresses of the calls in the program's own functions and in std's
fs::write/fs::read (the units a trace of it touches; --all-units: every call in the binary).
Each process times Symbolizer() + frames() + close(), imports included. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
t = time.perf_counter()
from renacer.events import StackFrame
from renacer.source.symbolize import Symbolizer
s = Symbolizer()
for off in map(int, sys.argv[3:]):
    s.frames(StackFrame(off, sys.argv[1], sys.argv[2], off))
s.close()
print(time.perf_counter() - t, "elftools" in sys.modules)
"""


def build() -> Path:
    source = ROOT / "tests" / "programs" / "sym_rust.rs"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "renacer-bench" / f"sym-o2-{digest}" / "sym_rust"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["rustc", "-g", "-C", "opt-level=2", "--edition", "2021", "-o", str(out), str(source)],
                       check=True)
    return out


def return_addresses(binary: Path, everything: bool) -> list[int]:
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(binary)], capture_output=True,
                          text=True, check=True).stdout
    wanted = re.compile(r"sym_rust|3std2fs(5write|4read)")
    out, keep, pending = [], False, False
    for line in text.splitlines():
        if m := re.match(r"^[0-9a-f]+ <(.+)>:$", line):
            keep = everything or bool(wanted.search(m.group(1)))
        elif m := re.match(r"^\s+([0-9a-f]+):\s+(\S+)", line):
            if pending:
                out.append(int(m.group(1), 16))
            pending = keep and m.group(2).startswith("call")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--all-units", action="store_true")
    args = parser.parse_args()
    binary = build()
    notes = subprocess.run(["readelf", "-n", str(binary)], capture_output=True, text=True).stdout
    bid = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
    offsets = [str(o) for o in return_addresses(binary, args.all_units)]
    cold, warm = [], []
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory() as cache:
            env = {"XDG_CACHE_HOME": cache, "PATH": "/usr/bin:/bin"}
            for times in (cold, warm):
                done = subprocess.run([sys.executable, "-c", CHILD, str(binary), bid, *offsets],
                                      capture_output=True, text=True, check=True, env=env)
                seconds, elftools = done.stdout.split()
                times.append(float(seconds))
                if times is warm and elftools != "False":
                    print("warning: the warm run imported pyelftools")
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"{len(offsets)} addresses in {binary.name}: cold {c * 1000:.0f} ms, warm {w * 1000:.0f} ms, "
          f"{c / w:.1f}x")


if __name__ == "__main__":
    main()
