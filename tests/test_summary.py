"""-c, -C, -S, -U, -w: strace's summary table, compared with strace's on the same programs.

Times differ between any two runs, so rows are compared on what is stable: the syscalls, their
calls and errors, their order where the sort key is stable, and the table's exact layout.
"""

from __future__ import annotations

import platform
import re

import pytest

pytestmark = pytest.mark.needs_strace

_ROW = re.compile(r"^ *([\d.]+) +([\d.]+) +(\d+) +(\d+) +(\d+)? +(\w+)$")


def _rows(text: str) -> list[tuple[str, int, int]]:
    """(syscall, calls, errors) of each row of a default-columns table, the total last."""
    rows = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            rows.append((m.group(6), int(m.group(4)), int(m.group(5) or 0)))
    return rows


def _table(text: str) -> list[str]:
    lines = text.splitlines()
    # the table starts at the line above the first rule of dashes
    start = next(i for i in range(1, len(lines)) if re.fullmatch(r"[- ]+", lines[i]) and lines[i].strip())
    return lines[start - 1:]


@pytest.mark.parametrize(("source", "follow"), [("files.c", False), ("fork.c", True), ("net.c", False)])
def test_summary_counts_match_strace(build, strace, renacer, source: str, follow: bool) -> None:
    argv = [str(build(source))]
    flags = ["-f"] if follow else []
    theirs = strace(*flags, "-c", *argv)
    ours = renacer(*flags, "-c", *argv)
    assert ours.returncode == theirs.returncode
    assert sorted(_rows(ours.stderr)) == sorted(_rows(theirs.stderr)), ours.stderr
    assert _table(ours.stderr)[:2] == _table(theirs.stderr)[:2]  # heading and rule, exactly


@pytest.mark.parametrize("key", ["calls", "name", "nothing", "errors"])
def test_summary_sorts_as_strace(build, strace, renacer, key: str) -> None:
    # without address randomisation: how often ld.so trims a mapping (munmap) depends on where it fell
    argv = ["setarch", platform.machine(), "-R", str(build("files.c"))]
    theirs, ours = strace("-c", "-S", key, *argv), renacer("-c", "-S", key, *argv)
    assert [r[0] for r in _rows(ours.stderr)] == [r[0] for r in _rows(theirs.stderr)], ours.stderr


def test_summary_after_the_trace_with_C(build, strace, renacer) -> None:
    argv = [str(build("files.c"))]
    flags = ["-C", "-e", "trace=openat,close"]
    theirs, ours = strace(*flags, *argv), renacer(*flags, *argv)
    assert ours.stderr.splitlines()[0].startswith("openat(")
    assert "+++ exited with 0 +++" in ours.stderr
    assert sorted(_rows(ours.stderr)) == sorted(_rows(theirs.stderr))
    assert _table(ours.stderr)[:2] == _table(theirs.stderr)[:2]


@pytest.mark.parametrize(
    "columns",
    [
        "name,calls",
        "calls,errors,name",
        "time-percent,total-time,avg-time,min-time,max-time,calls,errors,name",
        "max-time,name",
    ],
)
def test_summary_columns_as_strace(build, strace, renacer, columns: str) -> None:
    argv = [str(build("files.c"))]
    theirs = strace("-c", "-S", "name", "-U", columns, *argv)
    ours = renacer("-c", "-S", "name", "-U", columns, *argv)
    ours_t, theirs_t = _table(ours.stderr), _table(theirs.stderr)
    assert ours_t[:2] == theirs_t[:2] and ours_t[-2] == theirs_t[-2], ours.stderr  # headings and rules
    # the syscalls, row by row (sorted by name, so in the same order); times differ per run
    def names(table: list[str]) -> list[str]:
        return [w for ln in table[2:] for w in ln.split() if re.fullmatch(r"[a-z_]\w*", w)]

    assert names(ours_t) == names(theirs_t), ours.stderr


def test_summary_goes_to_the_output_file(build, renacer, tmp_path) -> None:
    out = tmp_path / "table.txt"
    done = renacer("-c", "-w", "-o", str(out), str(build("files.c")))
    assert done.returncode == 0
    text = out.read_text()
    assert text.startswith("% time     seconds  usecs/call     calls    errors syscall\n")
    assert any(name == "openat" for name, _, _ in _rows(text))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-c", "-S", "bogus", "true"], "renacer: invalid sortby: 'bogus'"),
        (["-c", "-U", "bogus", "true"], "renacer: unknown column name: 'bogus'"),
    ],
)
def test_bad_summary_options(renacer, argv: list[str], message: str) -> None:
    done = renacer(*argv)
    assert done.returncode == 1 and done.stderr.strip() == message
