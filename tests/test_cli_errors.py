"""Bad command lines: one 'renacer:' line on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
from fidelity import own_messages


def _assert_one_error_line(done, starts: str = "renacer: ") -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = own_messages(done.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith(starts), lines
    return lines[0]


def _dead_pid() -> int:
    """A pid that no process has right now (a child we already reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--no-such-opt", "--", "true"], "unrecognized option '--no-such-opt'", id="unknown"),
        pytest.param([], "must have PROG [ARGS] or -p PID", id="no-command"),
        pytest.param(["--", "/nonexistent/prog"], "Can't stat '/nonexistent/prog'", id="no-program"),
        pytest.param(["-p", "abc"], "Invalid process id: 'abc'", id="pid-abc"),
        pytest.param(["-o", "/nonexistent/dir/x", "--", "true"], "/nonexistent/dir/x", id="bad-output"),
        pytest.param(["-s", "-1", "--", "true"], "invalid -s argument: '-1'", id="s-negative"),
        pytest.param(["-s", "abc", "--", "true"], "invalid -s argument: 'abc'", id="s-abc"),
        pytest.param(["-e", "trace=nosuchcall", "--", "true"], "invalid system call 'nosuchcall'", id="e"),
        pytest.param(["--summary-interval", "0", "true"], "invalid --summary-interval argument: '0'",
                     id="interval-0"),
        pytest.param(["--summary-interval=soon", "true"], "invalid --summary-interval argument: 'soon'",
                     id="interval-word"),
        pytest.param(["--anomaly-threshold", "-2", "true"], "invalid --anomaly-threshold argument: '-2'",
                     id="threshold-negative"),
        pytest.param(["--anomaly-threshold=inf", "true"], "invalid --anomaly-threshold argument: 'inf'",
                     id="threshold-inf"),
        pytest.param(["--anomaly-realtime", "--anomaly-window-size", "1", "true"],
                     "invalid --anomaly-window-size argument: '1'", id="window-1"),
        pytest.param(["--stack=pyth", "-k", "true"], "invalid --stack argument: 'pyth'", id="stack-mode"),
        pytest.param(["--backend", "kernel", "true"],
                     "invalid --backend argument: 'kernel' (ptrace, ebpf or auto)", id="backend"),
    ],
)
def test_bad_input_prints_one_error_line(renacer, args, message) -> None:
    line = _assert_one_error_line(renacer(*args))
    assert message in line


def test_nonexistent_pid_is_one_error_line(renacer) -> None:
    pid = _dead_pid()
    line = _assert_one_error_line(renacer("-p", pid))
    assert str(pid) in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root may attach to pid 1")
def test_attach_to_init_as_user_is_one_error_line(renacer) -> None:
    line = _assert_one_error_line(renacer("-p", "1"))
    assert "Operation not permitted" in line


def _non_executable(tmp_path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\ntrue\n")
    script.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_non_executable_file_is_one_error_line(renacer, tmp_path) -> None:
    _non_executable(tmp_path)
    line = _assert_one_error_line(renacer("-o", tmp_path / "out.txt", "--", "./script.sh", cwd=tmp_path))
    assert "Permission denied" in line


def test_non_executable_file_trace_shows_failed_execve(renacer, tmp_path) -> None:
    _non_executable(tmp_path)
    out = tmp_path / "out.txt"
    assert renacer("-o", out, "--", "./script.sh", cwd=tmp_path).returncode == 1
    trace = out.read_text().splitlines()  # like strace: the failed execve, then the exit
    assert len(trace) == 2, trace
    assert trace[0].startswith('execve("./script.sh", ["./script.sh"], 0x')
    assert trace[0].endswith(" = -1 EACCES (Permission denied)")
    assert trace[1] == "+++ exited with 1 +++"


def test_help_and_version_exit_zero(renacer) -> None:
    assert renacer("-V").returncode == 0
    done = renacer("-h")
    assert done.returncode == 0 and "-p PID" in done.stdout
