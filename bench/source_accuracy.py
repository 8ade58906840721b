#!/usr/bin/env python3
"""Source-attribution accuracy of `renacer --source` on a corpus of marked Rust and C programs.

Usage: python bench/source_accuracy.py [--levels 0,1,2,3] [--only NAME] [--jobs N] [--validate]

Every program in bench/source_corpus/ ends each line that causes a syscall with a comment
`// syscall: NAME[, NAME...]`. Each program is built at opt-level 0-3 (C: -O0..-O3) with
debug info, run as `renacer -f --source --format json -o REC -- BIN TMPDIR`, and a marker is
hit when a syscall event of that name has `source` at exactly that file:line. Files are
compared by resolved absolute path (the programs are compiled from their absolute path, so
DWARF names them so); a relative name in a recording is compared by basename. Events of a
marked syscall name placed on a line of the program without that marker are listed as
misattributions. Prints a table; the exit status is always 0.

--validate checks the corpus without renacer: under gdb (`catch syscall`, `bt`) the innermost
frame in the program's own file must be the marked line of every marked syscall, and no
unmarked line may make one, at -O0 (gdb's score at the other levels is printed as a
reference); strace must see every marked syscall at every level.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "source_corpus"
LEVELS = (0, 1, 2, 3)
TIMEOUT = 120.0
_MARKER = re.compile(r"//\s*syscall:\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)\s*$")


@dataclass(frozen=True, slots=True)
class Marker:
    """One expected syscall: the program's line that makes it."""

    program: str
    line: int
    syscall: str


@dataclass(frozen=True, slots=True)
class Program:
    """A corpus program and its markers."""

    name: str
    source: Path
    markers: tuple[Marker, ...]

    @property
    def syscalls(self) -> frozenset[str]:
        """The syscall names marked anywhere in the program."""
        return frozenset(m.syscall for m in self.markers)


@dataclass(frozen=True, slots=True)
class Attribution:
    """One traced syscall and where a tool put it (file '' and line 0: nowhere)."""

    syscall: str
    file: str
    line: int
    function: str
    located: str


@dataclass(frozen=True, slots=True)
class Score:
    """How one run of one program at one level placed its marked syscalls."""

    program: Program
    level: int
    hits: tuple[Marker, ...]
    misses: tuple[Marker, ...]
    hit_by: tuple[str, ...]  # how each hit was located (the matching event's `located`)
    strays: tuple[Attribution, ...]  # one per (syscall, line) of the program without that marker
    elsewhere: tuple[Attribution, ...]  # marked syscall names placed outside the program, or nowhere
    error: str = ""


def parse_markers(source: Path) -> tuple[Marker, ...]:
    """The `// syscall: a, b` markers of one source file, in line order."""
    found = []
    for number, text in enumerate(source.read_text().splitlines(), start=1):
        m = _MARKER.search(text)
        if m:
            found += [Marker(source.name, number, s.strip()) for s in m.group(1).split(",")]
    return tuple(found)


def load_corpus(only: Iterable[str] = (), root: Path = CORPUS) -> list[Program]:
    """The corpus programs (all, or those named in `only`, with or without extension)."""
    wanted = set(only)
    programs = []
    for source in sorted([*root.glob("*.rs"), *root.glob("*.c")]):
        if wanted and source.name not in wanted and source.stem not in wanted:
            continue
        programs.append(Program(source.name, source.resolve(), parse_markers(source)))
    return programs


# --- building ------------------------------------------------------------------------------


@functools.cache
def _compiler_version(compiler: str) -> str:
    return subprocess.run([compiler, "--version"], capture_output=True, text=True, check=True).stdout


def compile_command(program: Program, level: int, out: Path) -> list[str]:
    """The compiler command that builds `program` at opt-level `level` with debug info into `out`."""
    if program.source.suffix == ".rs":
        return ["rustc", "--edition", "2021", "-g", "-C", f"opt-level={level}", "-o", str(out),
                str(program.source)]
    return ["gcc", "-g", f"-O{level}", "-pthread", "-o", str(out), str(program.source)]


def build_root() -> Path:
    """Where built corpus binaries are cached across runs, by content hash."""
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    return Path(base) / "renacer-bench" / "source-corpus"


def build(program: Program, level: int) -> Path:
    """Compile `program` at `level` once per (source, path, flags, compiler version); the binary."""
    probe = compile_command(program, level, Path("OUT"))
    key = program.source.read_bytes() + "\0".join([*probe, _compiler_version(probe[0])]).encode()
    binary = build_root() / hashlib.sha256(key).hexdigest()[:16] / f"{program.source.stem}-O{level}"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    tmp = binary.with_name(f".{binary.name}.{os.getpid()}.{id(program)}")
    done = subprocess.run(compile_command(program, level, tmp), capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=binary.parent)
    if done.returncode != 0:
        raise RuntimeError(f"building {program.name} at -O{level} failed:\n{done.stderr}")
    os.replace(tmp, binary)  # atomic: concurrent runs never see half a binary
    return binary


# --- attributions from renacer, gdb, strace -------------------------------------------------


def same_file(recorded: str, source: Path) -> bool:
    """Whether a file name from DWARF (or a recording) names the program's source file."""
    if not recorded:
        return False
    path = Path(recorded)
    if not path.is_absolute():
        return path.name == source.name
    return path == source or path.resolve() == source


def parse_recording(lines: Iterable[str], names: frozenset[str]) -> list[Attribution]:
    """The syscall events of the given names in a renacer JSON Lines recording."""
    found = []
    for text in lines:
        if not text.strip():
            continue
        record = json.loads(text)
        if record.get("type") != "syscall" or record.get("name") not in names:
            continue
        src = record.get("source") or {}
        found.append(Attribution(record["name"], src.get("file") or "", src.get("line") or 0,
                                 src.get("function") or "", record.get("located") or ""))
    return found


def compile_renacer() -> None:
    """Write renacer's bytecode, as an install does: a timed run must not pay for compiling it
    (a checkout run with PYTHONDONTWRITEBYTECODE set compiles every module on every run)."""
    import compileall

    import renacer

    compileall.compile_dir(str(Path(renacer.__file__).parent), quiet=1)


def renacer_argv() -> list[str]:
    """The command that runs renacer (RENACER_BENCH_CMD overrides it)."""
    override = os.environ.get("RENACER_BENCH_CMD")
    return override.split() if override else [sys.executable, "-m", "renacer"]


def trace_renacer(program: Program, binary: Path) -> list[Attribution]:
    """Run the binary under `renacer -f --source --format json`; its marked-name events."""
    with tempfile.TemporaryDirectory(prefix="renacer-acc-") as tmp:
        record = Path(tmp) / "trace.jsonl"
        work = Path(tmp) / "work"
        work.mkdir()
        argv = [*renacer_argv(), "-f", "--source", "--format", "json", "-o", str(record), "--",
                str(binary), str(work)]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
        if not record.exists() or record.stat().st_size == 0:
            raise RuntimeError(f"renacer exited {done.returncode}: {done.stderr.strip()[-300:]}")
        return parse_recording(record.read_text().splitlines(), program.syscalls)


def score(program: Program, level: int, found: Sequence[Attribution], error: str = "") -> Score:
    """Hits, misses and misattributions of one run's attributions against the program's markers."""
    placed: dict[tuple[str, int], str] = {}
    for a in found:
        if same_file(a.file, program.source):
            placed.setdefault((a.syscall, a.line), a.located)
    marked = {(m.syscall, m.line) for m in program.markers}
    hits = tuple(m for m in program.markers if (m.syscall, m.line) in placed)
    hit_by = tuple(placed[m.syscall, m.line] for m in hits)
    misses = tuple(m for m in program.markers if (m.syscall, m.line) not in placed)
    strays = {(a.syscall, a.line): a for a in found
              if same_file(a.file, program.source) and (a.syscall, a.line) not in marked}
    elsewhere = tuple(a for a in found if not same_file(a.file, program.source))
    return Score(program, level, hits, misses, hit_by, tuple(strays.values()), elsewhere, error)


def explain_miss(marker: Marker, result: Score) -> str:
    """Where the tool put the syscalls of a missed marker's name that matched no marker."""
    wrong = sorted({f"line {a.line} ({a.located})" for a in result.strays if a.syscall == marker.syscall})
    other = sorted({f"{Path(a.file).name}:{a.line} ({a.located})"
                    for a in result.elsewhere if a.syscall == marker.syscall and a.file})
    nowhere = Counter(a.located or "?" for a in result.elsewhere
                      if a.syscall == marker.syscall and not a.file)
    parts = [*wrong[:3], *other[:3]]
    if nowhere:
        parts.append(f"{sum(nowhere.values())} without source ("
                     + ", ".join(f"{k}: {v}" for k, v in sorted(nowhere.items())) + ")")
    return "; ".join(parts) or "no such event"


def render(results: Sequence[Score], levels: Sequence[int], tool: str, detail: bool = True) -> list[str]:
    """The report: per-level totals, then (detail) per-program hits and every miss and misattribution."""
    out = [f"source attribution accuracy ({tool}): {len({r.program.name for r in results})} programs",
           f"{'opt-level':>9} | {'hit':>5} / {'total':<5} | {'%':>6} | {'misattributed':>13} | errors"]
    for level in levels:
        rs = [r for r in results if r.level == level]
        hit, total = sum(len(r.hits) for r in rs), sum(len(r.program.markers) for r in rs)
        pct = 100.0 * hit / total if total else 0.0
        wrong, errors = sum(len(r.strays) for r in rs), sum(1 for r in rs if r.error)
        out.append(f"{level:>9} | {hit:>5} / {total:<5} | {pct:5.1f}% | {wrong:>13} | {errors}")
    for level in levels:
        how = Counter(h for r in results if r.level == level for h in r.hit_by)
        tally = ", ".join(f"{k or '?'} {n}" for k, n in sorted(how.items()))
        out.append(f"  -O{level} hits located: {tally}")
    if not detail:
        return out
    out += ["", f"{'program':22}" + "".join(f" | {'O' + str(lv):>9}" for lv in levels)]
    for name in sorted({r.program.name for r in results}):
        cells = {r.level: r for r in results if r.program.name == name}
        row = [f"{'error':>9}" if r.error else f"{len(r.hits):>4}/{len(r.program.markers):<4}"
               for r in (cells[lv] for lv in levels if lv in cells)]
        out.append(f"{name:22}" + "".join(f" | {c}" for c in row))
    problems = [f"  -O{r.level} {r.program.name}: {r.error}" for r in results if r.error]
    for r in results:
        problems += [f"  -O{r.level} {r.program.name}:{m.line} {m.syscall}: missed -> {explain_miss(m, r)}"
                     for m in r.misses if not r.error]
        problems += sorted({f"  -O{r.level} {r.program.name}:{a.line} {a.syscall}: misattributed here "
                            f"({a.function or '?'}, {a.located})" for a in r.strays})
    out += ["", "misses and misattributions:" if problems else "no misses, no misattributions", *problems]
    return out


def _measure(program: Program, level: int) -> Score:
    try:
        return score(program, level, trace_renacer(program, build(program, level)))
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return score(program, level, [], error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or --validate the corpus) and print the report."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--levels", default="0,1,2,3", help="comma-separated opt-levels")
    ap.add_argument("--only", action="append", default=[], metavar="NAME", help="run this program only")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--validate", action="store_true", help="check the markers with gdb and strace")
    opts = ap.parse_args(argv)
    levels = [int(x) for x in opts.levels.split(",")]
    programs = load_corpus(opts.only)
    if not programs:
        print(f"no corpus program matches {opts.only}")
        return 0
    with ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        if opts.validate:
            missing = [t for t in ("gdb", "strace") if shutil.which(t) is None]
            if missing:
                print(f"--validate needs {' and '.join(missing)}")
                return 0
            import source_validate  # a sibling script: gdb and strace's view of the corpus

            done = list(pool.map(lambda p: source_validate.validate(p, levels), programs))
            gdb_view = render([s for v in done for s in v.gdb], levels, "gdb, a reference", detail=False)
            print("\n".join(gdb_view))
            print()
            print("\n".join(render([s for v in done for s in v.stack], levels,
                                   "gdb without tail-call frames: what CFI and inline tables can see")))
            problems = [p for v in done for p in v.problems]
            print("\ncorpus problems:" if problems else "\ncorpus valid: gdb -O0 agrees with every marker, "
                  "strace sees every marked syscall at every level")
            print("\n".join(f"  {p}" for p in problems))
        else:
            jobs = [(p, lv) for p in programs for lv in levels]
            print("\n".join(render(list(pool.map(lambda j: _measure(*j), jobs)), levels, "renacer --source")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
