"""What the trace text looks like under -s, -t/-tt/-ttt/-r/-T, -y and -e trace=."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fidelity import normalize


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _writes(path: Path) -> list[str]:
    return [line for line in normalize(_lines(path)) if line.startswith("write(")]


def test_string_limit_default_is_32(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-o", out, "--", build("strings.c")).returncode == 0
    assert _writes(out)[0] == 'write(3, "The quick brown fox jumps over t"..., 52) = 52'


def test_string_limit(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-s", "5", "-o", out, "--", build("strings.c")).returncode == 0
    assert _writes(out) == [
        'write(3, "The q"..., 52) = 52',
        'write(3, "short"..., 6) = 6',
        'write(3, "a\\"b\\\\c"..., 16) = 16',
    ]


def test_binary_strings_are_escaped_like_strace(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-o", out, "--", build("strings.c")).returncode == 0
    assert _writes(out)[2] == 'write(3, "a\\"b\\\\c\\t\\n\\r\\1\\177\\200\\377\\0zz\\0", 16) = 16'


@pytest.mark.needs_strace
@pytest.mark.parametrize("limit", ["0", "1", "32", "100"])
def test_string_limit_matches_strace(renacer, strace, build, tmp_path, limit) -> None:
    program = build("strings.c")
    strace("-s", limit, "-o", tmp_path / "s.txt", "--", program)
    renacer("-s", limit, "-o", tmp_path / "r.txt", "--", program)
    assert _writes(tmp_path / "r.txt") == _writes(tmp_path / "s.txt")


TIMESTAMP_FORMATS = [
    pytest.param(["-t"], r"^\d\d:\d\d:\d\d [a-z+]", id="t"),
    pytest.param(["-tt"], r"^\d\d:\d\d:\d\d\.\d{6} [a-z+]", id="tt"),
    pytest.param(["-ttt"], r"^\d{10}\.\d{6} [a-z+]", id="ttt"),
    pytest.param(["-r"], r"^ {5}\d\.\d{6} [a-z+]", id="r"),
]


@pytest.mark.parametrize(("flags", "pattern"), TIMESTAMP_FORMATS)
def test_timestamps(renacer, tmp_path, flags, pattern) -> None:
    out = tmp_path / "out.txt"
    assert renacer(*flags, "-o", out, "--", "true").returncode == 0
    lines = _lines(out)
    assert "execve(" in lines[0]
    bad = [line for line in lines if not re.match(pattern, line)]
    assert not bad, bad[:3]


def test_syscall_times(renacer, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-T", "-o", out, "--", "true").returncode == 0
    calls = [line for line in _lines(out) if re.search(r"\) += -?\d", line)]
    assert calls, _lines(out)
    bad = [line for line in calls if not re.search(r" <\d+\.\d{6}>$", line)]
    assert not bad, bad[:3]
    assert _lines(out)[-2].startswith("exit_group(0)") and _lines(out)[-2].endswith("= ?")


def test_fd_paths_y(renacer, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-y", "-o", out, "--", "cat", "/etc/hostname", cwd=tmp_path).returncode == 0
    lines = normalize(_lines(out))
    assert f'openat(AT_FDCWD<{tmp_path}>, "/etc/hostname", O_RDONLY) = 3</etc/hostname>' in lines
    size = len(Path("/etc/hostname").read_bytes())
    assert any(line.startswith("read(3</etc/hostname>, ") for line in lines), lines
    assert "close(3</etc/hostname>) = 0" in lines
    assert any(x.startswith("write(1<pipe:[INODE]>, ") and x.endswith(f", {size}) = {size}") for x in lines)


@pytest.mark.needs_strace
def test_fd_paths_y_matches_strace(renacer, strace, tmp_path) -> None:
    strace("-y", "-o", tmp_path / "s.txt", "--", "cat", "/etc/hostname")
    renacer("-y", "-o", tmp_path / "r.txt", "--", "cat", "/etc/hostname")
    ours, theirs = normalize(_lines(tmp_path / "r.txt")), normalize(_lines(tmp_path / "s.txt"))
    assert [x for x in ours if "<" in x] == [x for x in theirs if "<" in x]


def test_trace_filter_names(renacer, tmp_path) -> None:
    out = tmp_path / "out.txt"
    assert renacer("-e", "trace=openat,close", "-o", out, "--", "cat", "/etc/hostname").returncode == 0
    lines = _lines(out)
    names = {m.group(1) for m in (re.match(r"^([a-z0-9_]+)\(", line) for line in lines) if m}
    assert names == {"openat", "close"}, names
    assert any(line.startswith('openat(AT_FDCWD, "/etc/hostname", O_RDONLY)') for line in lines)
    assert lines[-1] == "+++ exited with 0 +++"


@pytest.mark.needs_strace
def test_trace_filter_matches_strace(renacer, strace, tmp_path) -> None:
    strace("-e", "trace=openat,close", "-o", tmp_path / "s.txt", "--", "cat", "/etc/hostname")
    renacer("-e", "trace=openat,close", "-o", tmp_path / "r.txt", "--", "cat", "/etc/hostname")
    assert normalize(_lines(tmp_path / "r.txt")) == normalize(_lines(tmp_path / "s.txt"))


@pytest.mark.needs_strace
def test_return_values_align_like_strace(renacer, strace, build, tmp_path) -> None:
    """strace pads ' = ' to column 40; renacer's raw lines must do the same."""
    program = build("files.c")
    strace("-o", tmp_path / "s.txt", "--", program)
    renacer("-o", tmp_path / "r.txt", "--", program)
    # Lines free of pointers and pids have the same length in both, so compare them raw.
    stable = re.compile(r"0x|set_tid_address|getcwd|execve")
    theirs = [x for x in _lines(tmp_path / "s.txt") if not stable.search(x)]
    ours = [x for x in _lines(tmp_path / "r.txt") if not stable.search(x)]
    assert ours == theirs
