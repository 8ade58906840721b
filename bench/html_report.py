#!/usr/bin/env python3
"""The HTML report at 100k syscalls: how big the file is, how long renacer takes to write it, and how
long headless Chromium takes to load and draw it.

Usage: python bench/html_report.py [--calls 100000] [--keep DIR]

A real recording (``renacer -f --format json -- sh -c 'ls -la / | wc -l'``) is multiplied, its
syscall records repeated later in time, until it holds --calls syscalls; ``renacer --input`` turns
it into a report, and Chromium loads it (``--dump-dom``) three times. Prints the file size, the
report's writing time, Chromium's whole run (start-up included) and the page's own time from
navigation to the last section drawn (``data-ready-ms``). Never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RENACER = [sys.executable, "-m", "renacer"]
WORKLOAD = ["sh", "-c", "ls -la / | wc -l"]


def chromium() -> str | None:
    """The headless browser's path (Debian's chromium), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def load(page: Path, browser: str, timeout: float = 120.0) -> tuple[str, float]:
    """(the DOM after the page's scripts ran, Chromium's wall time in seconds) for one headless load."""
    with tempfile.TemporaryDirectory(prefix="renacer-chromium-") as profile:
        argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                "--window-size=1400,2400", "--dump-dom", page.resolve().as_uri()]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout, took


def multiply(recording: Path, out: Path, calls: int) -> int:
    """Write ``recording`` with its syscall records repeated later in time until ``calls``; returns the count.

    The copies come one after the other (each shifted by the recording's span); the original's other
    records (signals, exits) close the last copy, so every task still ends once.
    """
    lines = recording.read_text(encoding="utf-8").splitlines()
    header, records = lines[0], [json.loads(ln) for ln in lines[1:] if ln.strip()]
    records = [r for r in records if r["type"] != "footer"]
    syscalls = [r for r in records if r["type"] == "syscall"]
    if not syscalls:
        raise ValueError(f"{recording}: no syscall records")
    first = min(r["enter_ns"] for r in syscalls)
    span = max(r["exit_ns"] for r in syscalls) - first + 1000
    copies = max(1, -(-calls // len(syscalls)))
    written = errors = events = 0

    def shifted(r: dict, by: int) -> str:
        r = dict(r)
        for key in ("enter_ns", "exit_ns", "ts_ns"):
            if key in r:
                r[key] += by
        for key in ("enter_wall_ns", "wall_ns"):
            if key in r:
                r[key] += by
        return json.dumps(r, separators=(",", ":"), ensure_ascii=False)

    with out.open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        for i in range(copies):
            last = i == copies - 1
            for r in (records if last else syscalls):
                if r["type"] == "syscall":
                    if written >= calls:
                        continue
                    written += 1
                    errors += bool(r["error"])
                f.write(shifted(r, i * span) + "\n")
                events += 1
        f.write(json.dumps({"type": "footer", "events": events, "syscalls": written, "errors": errors,
                            "exit_status": 0}, separators=(",", ":")) + "\n")
    return written


def record(path: Path) -> None:
    """A real recording of the workload, traced with -f."""
    subprocess.run([*RENACER, "-f", "--format", "json", "-o", str(path), "--", *WORKLOAD], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the recording and the report into this folder")
    args = ap.parse_args()
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="renacer-html-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        base, big, page = folder / "base.jsonl", folder / "big.jsonl", folder / "report.html"
        record(base)
        calls = multiply(base, big, args.calls)
        base_calls = sum(1 for ln in base.open(encoding="utf-8") if '"type":"syscall"' in ln)
        start = time.perf_counter()
        subprocess.run([*RENACER, "--input", str(big), "--format", "html", "-o", str(page)], check=True,
                       timeout=600)
        writing = time.perf_counter() - start
        start = time.perf_counter()  # the replay alone, for comparison: the -c table of the same recording
        subprocess.run([*RENACER, "--input", str(big), "-c", "-o", os.devnull], check=True, timeout=600)
        replay = time.perf_counter() - start
        small = folder / "small.html"
        subprocess.run([*RENACER, "--input", str(base), "--format", "html", "-o", str(small)], check=True,
                       timeout=120)
        print(f"syscalls in the report: {calls:,}")
        size, recorded = os.path.getsize(page) / 1e6, os.path.getsize(big) / 1e6
        print(f"report file: {size:.2f} MB (recording {recorded:.2f} MB)")
        print(f"renacer --input ... --format html: {writing:.2f} s "
              f"(--input ... -c on the same file: {replay:.2f} s)")
        if browser is None:
            print("chromium: not installed, no load time")
            return 0
        walls, ready, drawing = [], [], []
        for _ in range(args.loads):
            dom, took = load(page, browser)
            walls.append(took)
            m = re.search(r'data-ready-ms="([\d.]+)"', dom)
            d = re.search(r'data-render-ms="([\d.]+)"', dom)
            if m is None or d is None:
                print("the page did not finish drawing (no data-ready-ms in its DOM)")
                return 1
            ready.append(float(m.group(1)))
            drawn = re.search(r'data-drawn="(\d+)"', dom)
            drawing.append(float(d.group(1)))
            errors = re.search(r'<pre id="page-errors"[^>]*>(.*?)</pre>', dom, re.S)
            if errors and errors.group(1).strip():
                print(f"page errors: {errors.group(1).strip()[:500]}")
        _, baseline = load(small, browser)
        print(f"chromium --headless --dump-dom, whole run (start-up included), median of {args.loads}: "
              f"{statistics.median(walls):.2f} s (the recording's own {base_calls:,}-call report: "
              f"{baseline:.2f} s)")
        print(f"page: navigation to every section drawn, median: {statistics.median(ready):.0f} ms "
              f"(the report's script alone: {statistics.median(drawing):.0f} ms)")
        print(f"timeline: {drawn.group(1) if drawn else '?'} rectangles drawn for {calls:,} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
