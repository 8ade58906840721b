"""Attaching with -p, detaching on SIGINT, and group-stops (SIGSTOP/SIGCONT)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fidelity import own_messages, reap, spawn


def _read_line(proc: subprocess.Popen, timeout: float = 10.0) -> str:
    """One line of proc's stdout, or fail the test instead of hanging."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no output from the program"
    return proc.stdout.readline().decode()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _status(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _traced(pid: int) -> bool:
    return _status(pid)["TracerPid"].strip() != "0"


def _trace_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.fixture
def sleepers(build) -> Iterator[Callable[[], tuple[subprocess.Popen, int]]]:
    """Start sleeper processes (each prints its pid); any left running are killed afterwards."""
    started: list[subprocess.Popen] = []

    def _start() -> tuple[subprocess.Popen, int]:
        proc = spawn([str(build("sleeper.c"))])
        started.append(proc)
        return proc, int(_read_line(proc))

    yield _start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def _attach(renacer_cmd: list[str], out: Path, *pid_args: str) -> subprocess.Popen:
    args = [a for p in pid_args for a in ("-p", p)]
    return spawn([*renacer_cmd, "-o", str(out), *args])


def _detach(tracer: subprocess.Popen) -> tuple[int, str]:
    os.kill(tracer.pid, signal.SIGINT)
    _, err = reap(tracer, timeout=30)
    return tracer.returncode, err


def _assert_runs_free_and_exits(proc: subprocess.Popen, pid: int) -> None:
    status = _status(pid)
    assert status["State"][0] not in "Tt", status["State"]
    assert status["TracerPid"].strip() == "0"
    os.kill(pid, signal.SIGUSR1)  # the sleeper's cue to exit 0
    assert proc.wait(timeout=10) == 0


def test_attach_and_detach_leaves_process_running(renacer_cmd, sleepers, tmp_path) -> None:
    proc, pid = sleepers()
    out = tmp_path / "out.txt"
    tracer = _attach(renacer_cmd, out, str(pid))
    assert _wait_for(lambda: _traced(pid)), "never attached"
    assert _wait_for(lambda: "clock_nanosleep(" in _trace_text(out)), _trace_text(out)
    time.sleep(0.2)
    returncode, err = _detach(tracer)
    assert "Traceback" not in err
    assert own_messages(err) == [f"renacer: Process {pid} attached", f"renacer: Process {pid} detached"]
    assert returncode == -signal.SIGINT  # like strace: detach, then die by the same SIGINT
    _assert_runs_free_and_exits(proc, pid)


@pytest.mark.parametrize("form", ["repeated", "comma"])
def test_attach_multiple_pids(renacer_cmd, sleepers, tmp_path, form) -> None:
    (proc_a, a), (proc_b, b) = sleepers(), sleepers()
    out = tmp_path / "out.txt"
    pid_args = [str(a), str(b)] if form == "repeated" else [f"{a},{b}"]
    tracer = _attach(renacer_cmd, out, *pid_args)
    assert _wait_for(lambda: _traced(a) and _traced(b)), "never attached to both"

    def both_seen() -> bool:
        lines = _trace_text(out).splitlines()
        return all(any(line.startswith(f"{p} ") and "nanosleep(" in line for line in lines) for p in (a, b))

    assert _wait_for(both_seen), _trace_text(out)  # two tracees: every line carries its pid
    _, err = _detach(tracer)
    assert "Traceback" not in err
    assert sorted(own_messages(err)) == sorted(
        f"renacer: Process {p} {what}" for p in (a, b) for what in ("attached", "detached")
    )
    _assert_runs_free_and_exits(proc_a, a)
    _assert_runs_free_and_exits(proc_b, b)


def _stopped(pid: int) -> bool:
    """Stopped for 200 ms straight (a syscall-stop passes; a group-stop stays)."""
    return all(_status(pid)["State"][0] in "Tt" and not time.sleep(0.02) for _ in range(10))


def _run_sigstop(renacer_cmd: list[str], program: Path, out: Path) -> tuple[subprocess.Popen, int, str, str]:
    """Run the self-stopping program; return (tracer, pid, stdout, trace text seen while stopped)."""
    tracer = spawn([*renacer_cmd, "-o", str(out), "--", str(program)])
    try:
        pid = int(_read_line(tracer))
        assert _wait_for(lambda: _stopped(pid)), "the program never stopped"
        while_stopped = _trace_text(out)
        for _ in range(6):  # resend in case the first SIGCONT beat the stop
            os.kill(pid, signal.SIGCONT)
            try:
                rest, _ = reap(tracer, timeout=5)
                return tracer, pid, rest, while_stopped
            except subprocess.TimeoutExpired:
                continue
        raise AssertionError("the tracer never finished after SIGCONT")
    finally:
        if tracer.poll() is None:
            os.killpg(tracer.pid, signal.SIGKILL)
            tracer.communicate()


def test_sigstop_sigcont_does_not_hang(renacer_cmd, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    tracer, pid, rest, _ = _run_sigstop(renacer_cmd, build("sigstop.c"), out)
    assert tracer.returncode == 0
    assert rest == "resumed\n"
    tail = [line.rstrip() for line in _trace_text(out).splitlines()[-7:]]
    assert tail[0] == f"kill({pid}, SIGSTOP)".ljust(40) + "= 0"  # ' = ' aligned to column 40
    siginfo = f"si_signo=SIGSTOP, si_code=SI_USER, si_pid={pid}, si_uid={os.getuid()}"
    assert tail[1] == f"--- SIGSTOP {{{siginfo}}} ---"
    assert tail[2] == "--- stopped by SIGSTOP ---"
    assert tail[3].startswith("--- SIGCONT {si_signo=SIGCONT, si_code=SI_USER, si_pid=")
    assert tail[4] == 'write(1, "resumed\\n", 8)                = 8'
    assert tail[5:] == ["exit_group(0)                           = ?", "+++ exited with 0 +++"]


def test_output_file_is_written_while_tracee_is_stopped(renacer_cmd, build, tmp_path) -> None:
    """Like strace, -o FILE holds every line so far while the tracee sits stopped."""
    out = tmp_path / "out.txt"
    _, _, _, while_stopped = _run_sigstop(renacer_cmd, build("sigstop.c"), out)
    assert while_stopped.splitlines()[-1:] == ["--- stopped by SIGSTOP ---"], while_stopped[-300:]


def test_tracee_killed_mid_syscall_ends_unfinished_and_tracer_dies_too(renacer_cmd, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    tracer = spawn([*renacer_cmd, "-o", str(out), "--", str(build("sleeper.c"))])
    try:
        pid = int(_read_line(tracer))
        time.sleep(0.3)  # a few nanosleeps in
        os.kill(pid, signal.SIGKILL)
        _, err = reap(tracer, timeout=30)
    finally:
        if tracer.poll() is None:
            os.killpg(tracer.pid, signal.SIGKILL)
            tracer.communicate()
    assert "Traceback" not in err, err
    assert tracer.returncode == -signal.SIGKILL  # strace re-raises the signal that killed its tracee
    assert _trace_text(out).splitlines()[-2:] == [
        "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=50000000},  <unfinished ...>) = ?",
        "+++ killed by SIGKILL +++",
    ]
