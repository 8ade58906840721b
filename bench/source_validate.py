#!/usr/bin/env python3
"""Validation of the source-accuracy corpus without renacer: gdb's and strace's view of it.

Used by `python bench/source_accuracy.py --validate`. Under gdb (`catch syscall`, then the
frames as a Python script prints them) the innermost frame in the program's own file must be
the marked line of every marked syscall, and no unmarked line may make one, at -O0; gdb's
score at the other levels is a reference. strace must see every marked syscall at every level.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from source_accuracy import TIMEOUT, Attribution, Program, Score, build, explain_miss, same_file, score

_GDB_STOP = re.compile(r"Catchpoint \d+ \((call to|returned from) syscall (\w+)\)")
_GDB_FRAME = re.compile(r"^@frame (\d+) (\d+) (\S*) (.*)$")
_GDB_INLINE = 2  # gdb.INLINE_FRAME: a function inlined into the frame above it
_GDB_TAILCALL = 3  # gdb.TAILCALL_FRAME: a frame gdb rebuilt from DWARF call-site info, not on the stack
# One '@frame TYPE LINE FILE FUNCTION' line per frame, innermost first (gdb's Python API).
_GDB_SETUP = """set pagination off
set confirm off
set filename-display absolute
set follow-fork-mode {mode}
python
def corpus_frames():
    frame, depth = gdb.newest_frame(), 0
    while frame is not None and depth < 64:
        sal = frame.find_sal()
        path = sal.symtab.fullname() if sal.symtab else ""
        print("@frame %d %d %s %s" % (frame.type(), sal.line, path or "-", frame.name() or "?"))
        try:
            frame, depth = frame.older(), depth + 1
        except gdb.error:
            break
end
catch syscall {names}
commands
python corpus_frames()
continue
end
run {work} > /dev/null 2>&1 < /dev/null
"""


def parse_gdb(output: str, program: Program, tail_calls: bool = True) -> list[Attribution]:
    """Each syscall entry gdb caught, placed at the innermost frame in the program's file.

    With tail_calls False, frames gdb rebuilt from call-site info are skipped, as an unwinder
    that follows only the stack (CFI) and DWARF's inline tables would see them; attributions
    that rest on such a frame are located 'gdb tail call', on an inline chain 'gdb inlined'.
    """
    found: list[Attribution] = []
    pending = ""  # a caught entry whose frames have not reached the program yet
    tail, newer = False, -1
    for text in output.splitlines():
        stop = _GDB_STOP.search(text)
        if stop:
            if pending:
                found.append(Attribution(pending, "", 0, "", "gdb"))
            pending, tail, newer = (stop.group(2) if stop.group(1) == "call to" else ""), False, -1
            continue
        frame = _GDB_FRAME.match(text) if pending else None
        if not frame:
            continue
        kind, mine = int(frame.group(1)), same_file(frame.group(3), program.source)
        if kind == _GDB_TAILCALL and mine and not tail_calls:
            tail = True  # the program's own frame, which only call-site info recovers, is skipped
        elif mine:
            # the line came from an inline chain if this frame is inlined or the one below it is
            how = ("gdb tail call" if tail or kind == _GDB_TAILCALL
                   else "gdb inlined" if _GDB_INLINE in (kind, newer) else "gdb")
            found.append(Attribution(pending, frame.group(3), int(frame.group(2)), frame.group(4), how))
            pending = ""
        newer = kind
    if pending:
        found.append(Attribution(pending, "", 0, "", "gdb"))
    return found


def run_gdb(program: Program, binary: Path) -> str:
    """gdb's output for the binary with the program's marked syscalls caught, frames printed.

    A program that forks (marks `clone`) runs twice, following the parent then the child.
    """
    modes = ("parent", "child") if "clone" in program.syscalls else ("parent",)
    outputs = []
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix="renacer-gdb-") as tmp:
            script = Path(tmp) / "catch.gdb"
            (Path(tmp) / "work").mkdir()
            script.write_text(_GDB_SETUP.format(mode=mode, names=" ".join(sorted(program.syscalls)),
                                                work=Path(tmp) / "work"))
            done = subprocess.run(["gdb", "-nx", "-batch", "-x", str(script), str(binary)],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
            outputs.append(done.stdout)
    return "\n".join(outputs)


_STRACE_CALL = re.compile(r"^\d+\s+(\w+)\(")


def strace_counts(program: Program, binary: Path) -> Counter[str]:
    """How many times each marked syscall name ran, by `strace -f` (an unknown name raises)."""
    with tempfile.TemporaryDirectory(prefix="renacer-strace-") as tmp:
        out = Path(tmp) / "strace.txt"
        (Path(tmp) / "work").mkdir()
        argv = ["strace", "-f", "-qq", "-o", str(out), "-e", "trace=" + ",".join(sorted(program.syscalls)),
                str(binary), str(Path(tmp) / "work")]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        if not out.exists():
            raise RuntimeError(f"strace failed: {done.stderr.strip()[-300:]}")
        return Counter(m.group(1) for m in map(_STRACE_CALL.match, out.read_text().splitlines()) if m)


# --- scoring and reporting ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Validation:
    """gdb's view of one program at each level, and what is wrong with its markers."""

    gdb: tuple[Score, ...]  # gdb's innermost frame in the program, tail-call frames included
    stack: tuple[Score, ...]  # the same without the frames gdb rebuilds from call-site info
    problems: tuple[str, ...]


def validate(program: Program, levels: Sequence[int]) -> Validation:
    """Check a program's markers: gdb must agree at -O0, strace must see them at every level."""
    gdb, stack, problems = [], [], []
    for level in levels:
        try:
            binary = build(program, level)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            problems.append(str(exc))
            continue
        output = run_gdb(program, binary)
        gdb.append(score(program, level, parse_gdb(output, program)))
        stack.append(score(program, level, parse_gdb(output, program, tail_calls=False)))
        if level == 0:
            problems += [f"{program.name}:{m.line} {m.syscall}: gdb -O0 puts it elsewhere "
                         f"({explain_miss(m, gdb[-1])})" for m in gdb[-1].misses]
            problems += sorted({f"{program.name}:{a.line} {a.syscall}: unmarked, gdb -O0 catches it here"
                                for a in gdb[-1].strays})
        try:
            seen = strace_counts(program, binary)
        except RuntimeError as exc:
            problems.append(f"{program.name} -O{level}: {exc}")
            continue
        wanted = Counter(m.syscall for m in program.markers)
        problems += [f"{program.name} -O{level}: {n} {name} marked, strace saw {seen[name]}"
                     for name, n in sorted(wanted.items()) if seen[name] < n]
    return Validation(tuple(gdb), tuple(stack), tuple(problems))
