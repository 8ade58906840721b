"""The source-attribution corpus (bench/source_corpus) is sound: its markers are where gdb puts
the syscalls, and the benchmark scores a recording against them as documented.

The full check of every program at every opt-level is `python bench/source_accuracy.py --validate`;
here two programs (a Rust drop at the end of a scope, a C fork) are checked at -O0.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from renacer.arch import current

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"


def _load_bench(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


acc = _load_bench("source_accuracy")
oracle = _load_bench("source_validate")  # imports source_accuracy, already loaded above


def test_corpus_has_the_issues_breadth_and_only_real_syscall_names() -> None:
    programs = acc.load_corpus()
    rust = [p for p in programs if p.source.suffix == ".rs"]
    c = [p for p in programs if p.source.suffix == ".c"]
    assert len(rust) >= 15 and len(c) >= 5
    known = set(current().numbers)
    for program in programs:
        assert program.markers, f"{program.name} marks no syscall"
        assert program.syscalls <= known, f"{program.name}: unknown {sorted(program.syscalls - known)}"


def test_marker_comment_lists_each_syscall_of_its_line(tmp_path: Path) -> None:
    source = tmp_path / "demo.rs"
    source.write_text(
        "fn main() {\n"
        "    let f = File::open(p); // syscall: openat\n"
        "    // a comment that mentions syscall: read is no marker unless it ends the line\n"
        "    fs::read(p); //syscall:openat ,  statx,read\n"
        "}\n"
    )
    assert [(m.line, m.syscall) for m in acc.parse_markers(source)] == [
        (2, "openat"), (4, "openat"), (4, "statx"), (4, "read")]
    assert [p.name for p in acc.load_corpus(["demo"], root=tmp_path)] == ["demo.rs"]


def _recording(events: list[tuple[str, dict | None, str]]) -> list[str]:
    lines = [json.dumps({"type": "header", "schema": "renacer-trace/1"})]
    for name, source, located in events:
        record = {"type": "syscall", "tid": 1, "name": name, "source": source, "located": located}
        lines.append(json.dumps(record))
    lines.append(json.dumps({"type": "footer", "events": len(events)}))
    return lines


def test_score_counts_exact_lines_and_reports_misses_and_misattributions(tmp_path: Path) -> None:
    source = tmp_path / "prog.rs"
    source.write_text("fn main() {\n    a(); // syscall: openat, read\n    b(); // syscall: close\n}\n")
    program = acc.load_corpus(root=tmp_path)[0]
    here = str(source)

    def at(line: int) -> dict:
        return {"file": here, "line": line, "function": "prog::main", "module": "prog", "offset": 0,
                "inlined": False}

    lines = _recording([
        ("openat", at(2), "exact"),
        ("read", at(3), "inlined"),  # one line off: a miss at 2 and a misattribution at 3
        ("close", None, "no debug info"),
        ("close", {**at(3), "file": "/elsewhere/prog.rs"}, "exact"),  # same basename, another file
        ("write", at(2), "exact"),  # not a marked name in this program: ignored
    ])
    found = acc.parse_recording(lines, program.syscalls)
    assert [a.syscall for a in found] == ["openat", "read", "close", "close"]
    result = acc.score(program, 2, found)
    assert [(m.line, m.syscall) for m in result.hits] == [(2, "openat")]
    assert result.hit_by == ("exact",)
    assert [(m.line, m.syscall) for m in result.misses] == [(2, "read"), (3, "close")]
    assert [(a.line, a.syscall) for a in result.strays] == [(3, "read")]
    report = "\n".join(acc.render([result], [2], "test"))
    assert "        2 |     1 / 3     |  33.3% |             1 | 0" in report
    assert "-O2 prog.rs:2 read: missed -> line 3 (inlined)" in report
    assert "-O2 prog.rs:3 close: missed -> prog.rs:3 (exact); 1 without source (no debug info: 1)" in report
    assert "-O2 prog.rs:3 read: misattributed here (prog::main, inlined)" in report


def test_file_names_match_by_absolute_path_or_by_basename_when_relative(tmp_path: Path) -> None:
    source = (tmp_path / "x.c").resolve()
    assert acc.same_file(str(source), source)
    assert acc.same_file("x.c", source)
    assert not acc.same_file("/other/x.c", source)
    assert not acc.same_file("", source)


@pytest.mark.skipif(not (shutil.which("gdb") and shutil.which("strace")), reason="needs gdb and strace")
@pytest.mark.parametrize("name", ["bufwriter.rs", "c_fork.c"])
def test_gdb_puts_each_marked_syscall_on_its_marked_line_at_O0(name: str) -> None:
    (program,) = acc.load_corpus([name])
    checked = oracle.validate(program, [0])
    assert checked.problems == ()
    (gdb,) = checked.gdb
    assert len(gdb.hits) == len(program.markers) and not gdb.strays
