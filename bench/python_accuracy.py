#!/usr/bin/env python3
"""Accuracy of `renacer --source` and of its Python stacks on a corpus of marked Python programs.

Usage: python bench/python_accuracy.py [--python PATH ...] [--only NAME ...] [--keep DIR] [--jobs N]
       [--check]

Every program in bench/python_corpus/ ends each line that makes a syscall on a path under its
work directory with `# syscall: NAME[, NAME...]`; fd-only calls (read, write, close, fstat) are
not marked and not measured. Each program runs, on each interpreter (the pyenv builds of 3.10 to
3.13 and Debian's python3.11 unless --python is given), as
`renacer -f --source --format json -o REC -e trace=<its marked names> -- PYTHON PROG WORK HOOKS`,
and two things are measured:

- lines: every traced call whose arguments name WORK or a path under it must have its `source`
  on a line of that program marked with that syscall's name; each miss is listed with the line
  renacer credited, and so is every marked line no call was credited to;
- stacks: the program's audit hook (python_corpus/audit_hook.py) writes the interpreter's own
  stack, innermost first, at each 'open' event on WORK; the openat that follows in the same
  thread on the same path must have a `pystack` equal to it frame for frame (file, qualname,
  line).

Prints a table per interpreter. The exit status is 0, or with --check 1 when anything is below
100% (or a run failed).
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))  # appended: tests/ has its own fidelity.py
from source_accuracy import compile_renacer, renacer_argv  # noqa: E402  (a sibling script)

CORPUS = Path(__file__).resolve().parent / "python_corpus"
INTERPRETERS = {
    "3.10": "/root/.pyenv/versions/3.10.13/bin/python3",
    "3.11": "/root/.pyenv/versions/3.11.7/bin/python3",
    "3.12": "/root/.pyenv/versions/3.12.1/bin/python3",
    "3.13": "/root/.pyenv/versions/3.13.0/bin/python3",
    "debian-3.11": "/usr/bin/python3.11",
}
TIMEOUT = 60.0
_MARKER = re.compile(r"#\s*syscall:\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)\s*$")


@dataclass(frozen=True, slots=True)
class Marker:
    """One marked line of a program and one syscall name it makes."""

    line: int
    syscall: str


@dataclass(frozen=True, slots=True)
class Program:
    """A corpus program and its markers."""

    name: str
    source: Path
    markers: tuple[Marker, ...]

    @property
    def syscalls(self) -> tuple[str, ...]:
        """The syscall names marked anywhere in the program, sorted."""
        return tuple(sorted({m.syscall for m in self.markers}))


@dataclass(frozen=True, slots=True)
class Frame:
    """One Python frame: file, qualified name (co_name on 3.10), line."""

    file: str
    function: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line} in {self.function}"


@dataclass(frozen=True, slots=True)
class Score:
    """How renacer placed one run's calls (lines) and stacks (against the audit hook)."""

    program: Program
    calls: int
    exact: int
    misses: tuple[str, ...]
    unseen: tuple[Marker, ...]
    stacks: int
    stacks_equal: int
    stack_misses: tuple[str, ...]
    error: str = ""

    @property
    def perfect(self) -> bool:
        """Every call on its marked line, every marked line seen, every stack equal, no error."""
        return (not self.error and self.calls > 0 and self.exact == self.calls and not self.unseen
                and self.stacks > 0 and self.stacks_equal == self.stacks)


def parse_markers(source: Path) -> tuple[Marker, ...]:
    """The `# syscall: a, b` markers of one program, in line order."""
    found = []
    for number, text in enumerate(source.read_text().splitlines(), start=1):
        m = _MARKER.search(text)
        if m:
            found += [Marker(number, s.strip()) for s in m.group(1).split(",")]
    return tuple(found)


def load_corpus(only: Iterable[str] = (), root: Path = CORPUS) -> list[Program]:
    """The corpus programs (all, or those named in `only`, with or without .py); the hook is none."""
    wanted = set(only)
    programs = []
    for source in sorted(root.glob("*.py")):
        if source.name == "audit_hook.py":
            continue
        if wanted and source.name not in wanted and source.stem not in wanted:
            continue
        programs.append(Program(source.name, source.resolve(), parse_markers(source)))
    return programs


def unquote(text: str) -> str:
    """A path argument as renacer prints it (`"..."`, C escapes) back to the path."""
    if len(text) < 2 or not text.startswith('"') or not text.endswith('"'):
        return text
    return codecs.escape_decode(text[1:-1].encode())[0].decode("utf-8", "surrogateescape")


def work_paths(record: dict, work: str) -> list[str]:
    """The path arguments of a syscall record that are `work` or under it."""
    paths = (unquote(t) for t in record.get("entry_text") or [] if t.startswith('"'))
    return [p for p in paths if p == work or p.startswith(work + "/")]


def _frames(items: Iterable[dict]) -> tuple[Frame, ...]:
    return tuple(Frame(f.get("file") or "", f.get("function") or "", f.get("line") or 0) for f in items)


def _credited(record: dict, program: Program) -> str:
    src = record.get("source")
    if not src:
        return f"no source ({record.get('located') or '?'})"
    where = Frame(src.get("file") or "", src.get("function") or "", src.get("line") or 0)
    return str(where).replace(str(program.source), program.name, 1)


def score(program: Program, records: Sequence[dict], hooks: Sequence[dict], work: str,
          error: str = "") -> Score:
    """Score one run: `records` are renacer's syscall records, `hooks` the audit hook's lines."""
    marked = defaultdict(set)
    for m in program.markers:
        marked[m.line].add(m.syscall)
    calls = exact = 0
    misses, seen = [], set()
    openats: dict[tuple[int, str], deque[dict]] = defaultdict(deque)
    for r in records:
        paths = work_paths(r, work)
        if r.get("type") != "syscall" or not paths:
            continue
        calls += 1
        src = r.get("source") or {}
        line = src.get("line") or 0
        if src.get("file") == str(program.source) and r["name"] in marked.get(line, ()):
            exact += 1
            seen.add(Marker(line, r["name"]))
        else:
            shown = ", ".join(p.replace(work, "WORK", 1) for p in paths)
            misses.append(f"{r['name']}({shown}) credited to {_credited(r, program)}")
        if r["name"] == "openat":
            openats[r.get("tid", 0), paths[0]].append(r)
    stack_misses = []
    for hook in hooks:
        expected = _frames({"file": f, "function": q, "line": n} for f, q, n in hook["frames"])
        queue = openats.get((hook["tid"], hook["path"]))
        label = f"open({hook['path'].replace(work, 'WORK', 1)}) at {expected[0] if expected else '?'}"
        if not queue:
            stack_misses.append(f"{label}: no openat of that path in thread {hook['tid']}")
            continue
        got = _frames(queue.popleft().get("pystack") or [])
        if got != expected:
            pairs = enumerate(zip(got, expected, strict=False))
            at = next((i for i, (a, b) in pairs if a != b), min(len(got), len(expected)))
            stack_misses.append(f"{label}: frame {at} is {got[at] if at < len(got) else 'missing'}, "
                                f"expected {expected[at] if at < len(expected) else 'none'} "
                                f"({len(got)} frames, expected {len(expected)})")
    unseen = tuple(m for m in program.markers if m not in seen)
    return Score(program, calls, exact, tuple(misses), unseen, len(hooks), len(hooks) - len(stack_misses),
                 tuple(stack_misses), error)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(t) for t in path.read_text().splitlines() if t.strip()]


def measure(program: Program, python: str, keep: Path | None = None) -> Score:
    """Run one program on one interpreter under renacer and score it (kept under `keep` if given)."""
    scratch = None if keep else tempfile.TemporaryDirectory(prefix="renacer-pyacc-")
    base = keep / program.source.stem if keep else Path(scratch.name)
    try:
        if base.exists():
            shutil.rmtree(base)
        work, hooks, trace = base / "work", base / "hooks.jsonl", base / "trace.jsonl"
        work.mkdir(parents=True)
        argv = [*renacer_argv(), "-f", "--source", "--format", "json", "-o", str(trace),
                "-e", "trace=" + ",".join(program.syscalls), "--", python, str(program.source), str(work),
                str(hooks)]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no __pycache__ in the corpus
        error = ""
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, env=env)
            if done.returncode != 0 or not trace.exists():
                error = f"renacer exited {done.returncode}: {done.stderr.strip()[-300:]}"
        except subprocess.TimeoutExpired:
            error = f"timed out after {TIMEOUT:.0f} s"
        return score(program, _read_jsonl(trace), _read_jsonl(hooks), str(work), error)
    finally:
        if scratch:
            scratch.cleanup()


def render(label: str, python: str, results: Sequence[Score]) -> list[str]:
    """One interpreter's table, then its misses, unseen marked lines and stack mismatches."""
    out = [f"python {label} ({python})",
           f"  {'program':20} | {'calls':>5} | {'exact':>5} | {'%':>6} | {'unseen':>6} | {'stacks':>9}"]
    for r in results:
        pct = 100.0 * r.exact / r.calls if r.calls else 0.0
        stacks = f"{r.stacks_equal}/{r.stacks}"
        out.append(f"  {r.program.name:20} | {r.calls:>5} | {r.exact:>5} | {pct:5.1f}% | "
                   f"{len(r.unseen):>6} | {stacks:>9}" + (f"  ERROR {r.error}" if r.error else ""))
    calls, exact = sum(r.calls for r in results), sum(r.exact for r in results)
    stacks, equal = sum(r.stacks for r in results), sum(r.stacks_equal for r in results)
    pct = 100.0 * exact / calls if calls else 0.0
    out.append(f"  {'total':20} | {calls:>5} | {exact:>5} | {pct:5.1f}% | "
               f"{sum(len(r.unseen) for r in results):>6} | {f'{equal}/{stacks}':>9}")
    for r in results:
        out += [f"    {r.program.name}: miss: {m}" for m in r.misses]
        out += [f"    {r.program.name}:{m.line} {m.syscall}: marked, never credited" for m in r.unseen]
        out += [f"    {r.program.name}: stack: {m}" for m in r.stack_misses]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the corpus on each interpreter and print the tables."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--python", action="append", default=[], metavar="PATH",
                    help="an interpreter (repeatable)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME", help="run this program only")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep work dirs, hook records and recordings here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--check", action="store_true", help="exit 1 when anything is below 100%%")
    opts = ap.parse_args(argv)
    pythons = {p: p for p in opts.python} or INTERPRETERS
    programs = load_corpus(opts.only)
    compile_renacer()
    failed = False
    with ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        for label, python in pythons.items():
            if not Path(python).exists():
                print(f"python {label} ({python}): not installed, skipped\n")
                continue
            keep = opts.keep / re.sub(r"[^\w.-]+", "_", label).strip("_") if opts.keep else None
            results = list(pool.map(lambda p, py=python, k=keep: measure(p, py, k), programs))
            failed |= not all(r.perfect for r in results)
            print("\n".join(render(label, python, results)) + "\n")
    return 1 if opts.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
