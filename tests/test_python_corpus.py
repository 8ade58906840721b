"""The marked Python corpus (bench/python_corpus): on every interpreter, every call on the work
directory is credited to its marked line, and every open's `pystack` is the stack the
interpreter's own audit hook saw, frame for frame.

The same check, with a table, is `python bench/python_accuracy.py --check`. A missing
interpreter skips its cases, except under CI=true, where every one must run.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from pythons import require

from renacer.arch import current

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"
sys.path.append(str(BENCH_DIR))  # appended, not first: bench/ has a fidelity.py of its own
import python_accuracy as acc  # noqa: E402  (a bench script, found through the path above)

PROGRAMS = acc.load_corpus()


def _interpreter(label: str) -> str:
    return require(acc.INTERPRETERS[label])


def _report(result: acc.Score) -> str:
    return "\n".join(acc.render("", "", [result]))


def test_corpus_has_the_breadth_and_only_real_syscall_names() -> None:
    assert 8 <= len(PROGRAMS) <= 12
    known = set(current().numbers)
    for program in PROGRAMS:
        assert "openat" in program.syscalls, f"{program.name}: no open for the stack cross-check"
        assert set(program.syscalls) <= known, f"{program.name}: unknown {set(program.syscalls) - known}"


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.source.stem for p in PROGRAMS])
@pytest.mark.parametrize("label", list(acc.INTERPRETERS))
def test_every_call_on_its_marked_line_and_every_stack_as_the_interpreter_sees_it(label, program) -> None:
    result = acc.measure(program, _interpreter(label))
    assert not result.error, result.error
    assert result.calls and result.exact == result.calls and not result.unseen, _report(result)
    assert result.stacks and result.stacks_equal == result.stacks, _report(result)


def test_a_moved_marker_is_a_miss_and_an_unseen_line(tmp_path: Path) -> None:
    python = _interpreter("3.12")
    source = acc.CORPUS / "unicode_names.py"
    shutil.copy(acc.CORPUS / "audit_hook.py", tmp_path)
    lines = source.read_text().splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if "return os.stat(" in t)
    lines[at] = lines[at].replace("  # syscall: newfstatat", "")
    lines[at - 1] = lines[at - 1].rstrip("\n") + "  # syscall: newfstatat\n"  # the def line: wrong
    (tmp_path / source.name).write_text("".join(lines))
    [program] = acc.load_corpus(["unicode_names"], root=tmp_path)
    result = acc.measure(program, python)
    assert not result.error, result.error
    assert (result.calls, result.exact) == (3, 2), _report(result)
    assert result.misses == (f"newfstatat(WORK/u1) credited to unicode_names.py:{at + 1} in размер",)
    assert result.unseen == (acc.Marker(at, "newfstatat"),)
    assert result.stacks == result.stacks_equal == 2 and not result.perfect


def test_a_stack_that_differs_from_the_hooks_is_counted_with_its_first_wrong_frame() -> None:
    program = acc.Program("p.py", Path("/c/p.py"), (acc.Marker(3, "openat"),))
    frame = {"file": "/c/p.py", "function": "f", "line": 3}
    caller = {"file": "/c/p.py", "function": "main", "line": 9}
    record = {"type": "syscall", "name": "openat", "tid": 7, "entry_text": ["AT_FDCWD", '"/w/a"', "O_RDONLY"],
              "source": frame, "pystack": [frame, {**caller, "line": 8}]}
    hooks = [{"path": "/w/a", "tid": 7, "frames": [["/c/p.py", "f", 3], ["/c/p.py", "main", 9]]},
             {"path": "/w/b", "tid": 7, "frames": [["/c/p.py", "f", 3]]}]
    result = acc.score(program, [record], hooks, "/w")
    assert (result.calls, result.exact, result.unseen) == (1, 1, ())
    assert (result.stacks, result.stacks_equal) == (2, 0)
    assert result.stack_misses == (
        "open(WORK/a) at /c/p.py:3 in f: frame 1 is /c/p.py:8 in main, expected /c/p.py:9 in main "
        "(2 frames, expected 2)",
        "open(WORK/b) at /c/p.py:3 in f: no openat of that path in thread 7")
