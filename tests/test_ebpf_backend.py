"""--backend ebpf / auto from the command line: choosing it, its errors, its lifecycle, its summary.

strace -c is the oracle for what the kernel added up; the traced programs' own behaviour for the
rest (exit statuses, a signal passed on, TracerPid in /proc while traced).
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bpf_support import require_bpf
from fidelity import Completed, own_messages, reap, spawn

from renacer.config import Config
from renacer.errors import RenacerError


@pytest.fixture(autouse=True)
def _permitted() -> None:
    require_bpf()


def table(stderr: str) -> dict[str, tuple[int, int]]:
    """A -c table's rows: syscall -> (calls, errors)."""
    rows: dict[str, tuple[int, int]] = {}
    dashes = 0
    for line in stderr.splitlines():
        if line.startswith("------"):
            dashes += 1
            continue
        if dashes == 1:
            parts = line.split()
            rows[parts[-1]] = (int(parts[3]), int(parts[4]) if len(parts) == 6 else 0)
    return rows


def _no_caps(argv: list[str]) -> list[str]:
    """argv run as root without any capability (setpriv empties the bounding set before exec)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv is not installed")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all", *argv]


# ---- what the kernel added up, against strace -c ----------------------------------------------


@pytest.mark.needs_strace
def test_summary_matches_strace(renacer, strace, build: Callable[[str], Path]) -> None:
    prog = build("ebpf_calls.c")
    ours = renacer("--backend", "ebpf", "-c", "--", prog, "37", "9", "1000")
    theirs = strace("-c", "--", prog, "37", "9", "1000")
    assert ours.returncode == 0, ours.stderr
    got = table(ours.stderr)
    assert got["getppid"] == (37, 0)
    assert got["close"][1] == 9  # the 9 closes of unopened descriptors fail; the loader's succeed
    assert got == table(theirs.stderr)


@pytest.mark.needs_strace
def test_summary_follows_forks(renacer, strace, build: Callable[[str], Path]) -> None:
    prog = build("ebpf_fork.c")
    ours = renacer("--backend", "ebpf", "-f", "-c", "--", prog)
    assert table(ours.stderr)["getppid"] == (3 + 11 + 5 + 7, 0)
    mine, theirs = table(ours.stderr), table(strace("-f", "-c", "--", prog).stderr)
    for rows in (mine, theirs):
        rows.pop("futex", None)  # pthread_join waits in futex only when the thread still runs
    assert mine == theirs
    assert table(renacer("--backend", "ebpf", "-c", "--", prog).stderr)["getppid"] == (3, 0)  # no -f


def test_exit_status_is_passed_on(renacer) -> None:
    done = renacer("--backend", "ebpf", "-c", "--", "sh", "-c", "exit 3")
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and "total" in done.stderr
    killed = renacer("--backend", "ebpf", "-c", "--", "sh", "-c", "kill -TERM $$")
    assert killed.returncode == -signal.SIGTERM  # renacer ends by the command's signal, as strace does


def test_stream_mode_prints_the_trace(renacer, build: Callable[[str], Path]) -> None:
    done = renacer("--backend", "ebpf", "--", build("ebpf_calls.c"), "2", "1", "1000")
    assert done.returncode == 0
    lines = own_messages(done.stderr)
    assert lines[0].startswith("execve(")
    assert lines.count("getppid()                               = 1") == 0  # the parent is renacer
    assert sum(line.startswith("getppid()") for line in lines) == 2
    assert "close(1000)                             = -1 EBADF (Bad file descriptor)" in lines
    assert lines[-1] == "+++ exited with 0 +++"


# ---- errors: one line each ------------------------------------------------------------------


def _one_error_line(done: Completed) -> str:
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = own_messages(done.stderr)
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("mode", [(), ("-c",)], ids=["stream", "summary"])
def test_a_missing_program_is_one_line(renacer, mode: tuple[str, ...]) -> None:
    line = _one_error_line(renacer("--backend", "ebpf", *mode, "--", "/nonexistent/prog"))
    assert line == "renacer: Can't stat '/nonexistent/prog': No such file or directory"


DECISIONS = "--trace-transpiler-decisions"


@pytest.mark.parametrize(("option", "name"), [(("-k",), "-k"), (("--source",), "--source"), (("-i",), "-i"),
                                              (("-e", "read=1"), "-e read="), (("-P", "/tmp"), "-P"),
                                              ((DECISIONS,), DECISIONS)])
def test_an_option_it_cannot_honour_is_one_line(renacer, option: tuple[str, ...], name: str) -> None:
    line = _one_error_line(renacer("--backend", "ebpf", *option, "-c", "--", "true"))
    assert line == f"renacer: --backend ebpf: {name} needs the ptrace backend (a stopped tracee)"


def test_ebpf_without_capabilities_is_one_line(run_cmd, renacer_cmd) -> None:
    done = run_cmd(_no_caps([*renacer_cmd, "--backend", "ebpf", "-c", "--", "true"]))
    assert _one_error_line(done) == "renacer: --backend ebpf: it needs root, or CAP_BPF and CAP_PERFMON"


# ---- auto ------------------------------------------------------------------------------------


def _tracer_pid(done: Completed) -> str:
    return done.stdout.split("TracerPid:")[1].split()[0]


def test_auto_picks_ebpf_for_a_summary_and_ptrace_otherwise(renacer) -> None:
    """A process traced by ptrace has a TracerPid; one counted by the kernel has none."""
    cmd = ("--", "grep", "TracerPid", "/proc/self/status")
    summary = renacer("--backend", "auto", "-c", *cmd)
    assert _tracer_pid(summary) == "0" and "total" in summary.stderr
    assert not [x for x in own_messages(summary.stderr) if x.startswith("renacer:")]
    assert _tracer_pid(renacer("--backend", "auto", *cmd)) != "0"  # a trace: ptrace
    assert _tracer_pid(renacer("--backend", "auto", "-c", "--anomaly-threshold", "3", *cmd)) != "0"
    assert _tracer_pid(renacer("--backend", "ebpf", *cmd)) == "0"
    assert _tracer_pid(renacer(*cmd)) != "0"  # ptrace is the default


def test_auto_falls_back_to_ptrace_with_one_notice(run_cmd, renacer_cmd) -> None:
    done = run_cmd(_no_caps([*renacer_cmd, "--backend", "auto", "-c", "--", "grep", "TracerPid",
                             "/proc/self/status"]))
    assert done.returncode == 0, done.stderr
    notices = [x for x in own_messages(done.stderr) if x.startswith("renacer:")]
    assert notices == ["renacer: eBPF is not available (it needs root, or CAP_BPF and CAP_PERFMON): "
                       "tracing with ptrace"]
    assert _tracer_pid(done) != "0" and "total" in done.stderr


def test_plain_runs_never_import_the_ebpf_backend(run_cmd, renacer_cmd) -> None:
    probe = ("import sys, renacer.cli as c\n"
             "try:\n    c.main(['-qq', '-o', '/dev/null', '--', 'true'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if 'ebpf' in m))")
    done = run_cmd([renacer_cmd[0], "-c", probe])
    assert done.stdout.strip() == "[]", done.stderr


# ---- Ctrl-C, -p, and nothing left behind ---------------------------------------------------------


@pytest.mark.parametrize("mode", [("-c",), ()], ids=["summary", "stream"])
def test_ctrl_c_passes_the_signal_to_the_command_and_ends_cleanly(renacer_cmd, build, mode) -> None:
    proc = spawn([*renacer_cmd, "--backend", "ebpf", *mode, "--", str(build("sleeper.c"))])
    pid = int(proc.stdout.readline())  # the sleeper runs, and sleeps
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGINT)  # renacer alone, as `kill -INT` would
    _, err = reap(proc, timeout=30)
    assert "Traceback" not in err
    if mode:
        assert table(err)["clock_nanosleep"][0] >= 2
    else:
        lines = own_messages(err)
        assert sum(line.startswith("clock_nanosleep(") for line in lines) >= 2
        # the kernel turns a fatal signal into SIGKILL for delivery: which one is the stream's to say
        assert lines[-1].startswith("+++ killed by SIG")
    assert proc.returncode == -signal.SIGINT  # the command died of it; renacer ends the same way
    assert not os.path.exists(f"/proc/{pid}")  # killed and reaped


def test_attach_with_p_counts_until_the_process_ends(renacer_cmd, build) -> None:
    sleeper = spawn([str(build("sleeper.c"))])
    try:
        pid = int(sleeper.stdout.readline())
        tracer = spawn([*renacer_cmd, "--backend", "ebpf", "-c", "-p", str(pid)])
        time.sleep(0.5)  # some 50 ms sleeps, counted
        os.kill(pid, signal.SIGUSR1)  # the sleeper's cue to exit 0
        assert sleeper.wait(timeout=10) == 0
        _, err = reap(tracer, timeout=30)
        assert tracer.returncode == 0, err
        assert table(err)["clock_nanosleep"][0] >= 3
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        sleeper.communicate()


def _bpf_fds() -> list[str]:
    """This process's descriptors on BPF maps, programs and perf events."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "bpf" in link or "perf_event" in link:
            out.append(link)
    return out


@pytest.mark.parametrize("summary", ["only", ""], ids=["summary", "stream"])
def test_the_python_api_detaches_everything(build, summary: str) -> None:
    """A run read to its end, and one abandoned after its first event, leave no map, program or
    perf event open, and no process behind."""
    from renacer.backends.ebpf.tracer import EbpfTracer
    from renacer.run import events

    prog = str(build("ebpf_calls.c"))
    before = _bpf_fds()
    got = list(events(Config(command=(prog, "3"), backend="ebpf", summary=summary)))
    assert got and _bpf_fds() == before
    config = Config(command=(str(build("sleeper.c")),), backend="ebpf")
    tracer = EbpfTracer(config)
    stream = events(config, tracer)
    assert next(stream) is not None
    assert len(_bpf_fds()) > len(before)
    stream.close()
    assert _bpf_fds() == before
    assert tracer.main_pid and not os.path.exists(f"/proc/{tracer.main_pid}")  # killed and reaped


def test_an_unsupported_option_is_refused_before_anything_starts() -> None:
    from renacer.backends.ebpf.tracer import EbpfTracer

    with pytest.raises(RenacerError, match="--flamegraph needs the ptrace backend"):
        EbpfTracer(Config(command=("true",), flamegraph="x.svg"))


def test_ctrl_c_with_p_leaves_the_process_running(renacer_cmd, build) -> None:
    sleeper = spawn([str(build("sleeper.c"))])
    try:
        pid = int(sleeper.stdout.readline())
        tracer = spawn([*renacer_cmd, "--backend", "ebpf", "-p", str(pid)])
        assert tracer.stderr.readline().decode().strip() == f"renacer: Process {pid} attached"
        os.kill(tracer.pid, signal.SIGINT)
        _, err = reap(tracer, timeout=30)
        assert tracer.returncode == -signal.SIGINT and "Traceback" not in err
        time.sleep(0.1)
        assert sleeper.poll() is None  # untouched, still sleeping
        os.kill(pid, signal.SIGUSR1)
        assert sleeper.wait(timeout=10) == 0
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        sleeper.communicate()
