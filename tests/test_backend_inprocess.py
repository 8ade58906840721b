"""The ptrace backend driven in-process, as the Python API drives it: attach, detach, abandon."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import renacer
from renacer.backends.ptrace import PtraceTracer
from renacer.config import Config
from renacer.events import ProcessEvent, SyscallEvent


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def _start(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert int(proc.stdout.readline()) == proc.pid  # it is running its sleep loop now
    return proc


@pytest.fixture
def alarm() -> Iterator[None]:
    """SIGALRM interrupts the tracer's wait, as SIGINT does in the CLI."""
    previous = signal.getsignal(signal.SIGALRM)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def _trace_for(tracer: PtraceTracer, seconds: float) -> list[renacer.Event]:
    signal.signal(signal.SIGALRM, lambda signo, _f: tracer.request_stop(signo))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return list(tracer.events())


def _assert_running_untraced(pid: int) -> None:
    st = _status(pid)
    assert st["TracerPid"].strip() == "0"
    assert st["State"][0] in "SR", st["State"]


def test_attach_to_every_thread_and_detach_leaves_process_running(build, alarm):
    proc = _start(build("thread_sleeper.c"))
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{proc.pid}/task"))
        assert len(tids) == 3
        tracer = PtraceTracer(Config(pids=(proc.pid,)))
        events = _trace_for(tracer, 0.3)
        notices = [(e.tid, e.kind) for e in events if isinstance(e, ProcessEvent)]
        assert sorted(t for t, k in notices if k == "attached") == tids
        assert sorted(t for t, k in notices if k == "detached") == tids
        calls = [e for e in events if isinstance(e, SyscallEvent) and not e.unfinished]
        assert {e.tid for e in calls} == set(tids)  # every thread's naps were seen
        assert {e.name for e in calls} <= {"clock_nanosleep", "restart_syscall"}
        for tid in tids:
            _assert_running_untraced(tid)
        proc.send_signal(signal.SIGUSR1)
        assert proc.wait(timeout=10) == 0  # still alive and well after the detach
    finally:
        proc.kill()
        proc.wait()


def test_attach_failure_releases_the_pids_already_seized(build):
    proc = _start(build("sleeper.c"))
    try:
        tracer = PtraceTracer(Config(pids=(proc.pid, 2)))  # 2 is kthreadd: ptrace says EPERM
        with pytest.raises(renacer.RenacerError, match=r"PTRACE_SEIZE, 2\): Operation not permitted"):
            tracer.start()
        time.sleep(0.1)
        _assert_running_untraced(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def test_attach_to_missing_pid_is_an_error_before_anything_starts():
    with pytest.raises(renacer.RenacerError, match="No such process"):
        PtraceTracer(Config(pids=(2**22 + 12345,))).start()


def test_leaving_the_trace_loop_early_kills_the_command():
    stream = renacer.trace(["sleep", "30"])
    first = next(stream)
    pid = first.tgid
    stream.close()
    assert not os.path.exists(f"/proc/{pid}")  # killed and reaped, never left stopped


def test_an_error_in_the_consumer_leaves_no_stopped_tracee():
    pids = []
    with pytest.raises(ZeroDivisionError), closing(renacer.trace(["sleep", "30"])) as stream:
        for ev in stream:
            pids.append(ev.tgid)
            1 / 0  # noqa: B018 - the consumer fails while the tracee is held in a stop
    assert pids and not os.path.exists(f"/proc/{pids[0]}")


def test_trace_filter_by_names_in_the_api():
    names = {ev.name for ev in renacer.trace(["cat", "/etc/hostname"], trace=["openat", "close"])
             if isinstance(ev, SyscallEvent)}
    assert names == {"openat", "close"}


def test_api_yields_entries_when_asked():
    kinds = {type(ev).__name__ for ev in renacer.trace(["true"], include_entries=True)}
    assert {"SyscallEnter", "SyscallEvent", "ExitEvent"} <= kinds
