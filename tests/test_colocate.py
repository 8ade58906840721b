"""renacer keeps itself on one CPU while tracing; its tracees keep every CPU they had."""

from __future__ import annotations

import os
import sys

import pytest

from renacer.backends.ptrace.colocate import current_cpu, pin_to_current_cpu

CPUS = len(os.sched_getaffinity(0))
many_cpus = pytest.mark.skipif(CPUS < 2, reason="one CPU: there is nothing to pin")

# The traced shell prints its own CPU count, then renacer's (its parent's) allowed CPUs.
SHOW = "nproc; grep Cpus_allowed_list /proc/$PPID/status"


def test_current_cpu_is_one_this_thread_may_run_on() -> None:
    assert current_cpu() in os.sched_getaffinity(0)


@many_cpus
def test_pin_then_restore_gives_the_mask_back() -> None:
    former = os.sched_getaffinity(0)
    restore = pin_to_current_cpu()
    assert restore is not None
    try:
        assert len(os.sched_getaffinity(0)) == 1
    finally:
        restore()
    assert os.sched_getaffinity(0) == former


@many_cpus
def test_tracee_keeps_every_cpu_while_renacer_has_one(renacer) -> None:
    done = renacer("-e", "trace=none", "--", "sh", "-c", SHOW)
    assert done.returncode == 0, done.stderr
    nproc, allowed = done.stdout.split("\n")[:2]
    assert int(nproc) == CPUS
    cpu = allowed.split(":")[1].strip()
    assert cpu.isdigit(), allowed  # one CPU, not a range or a list


@many_cpus
def test_no_colocate_leaves_renacer_on_every_cpu(renacer) -> None:
    done = renacer("--no-colocate", "-e", "trace=none", "--", "sh", "-c", SHOW)
    assert done.returncode == 0, done.stderr
    allowed = done.stdout.split("\n")[1].split(":")[1].strip()
    assert not allowed.isdigit(), allowed


@many_cpus
def test_api_trace_restores_the_callers_mask() -> None:
    import renacer

    former = os.sched_getaffinity(0)
    names = [getattr(ev, "name", "") for ev in renacer.trace([sys.executable, "-c", "pass"])]
    assert "execve" in names
    assert os.sched_getaffinity(0) == former


def _stopping_often_for(colocation, tid: int, seconds: float) -> None:
    """Tick as a tracer whose tracee stops thousands of times a second would."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        colocation.tick(tid)


def _sleeper_on(cpu: int):
    import subprocess
    import time

    from renacer.backends.ptrace.colocate import last_cpu

    child = subprocess.Popen(["taskset", "-c", str(cpu), "sleep", "5"])
    deadline = time.monotonic() + 3
    while last_cpu(child.pid) != cpu and time.monotonic() < deadline:  # taskset runs, then execs sleep
        time.sleep(0.01)
    return child


@many_cpus
def test_pin_is_dropped_when_the_tracee_stays_on_another_cpu() -> None:
    from renacer.backends.ptrace.colocate import MISSES, WINDOW_NS, Colocation

    colocation = Colocation()
    colocation.start()
    try:
        mine = current_cpu()
        other = next(cpu for cpu in sorted(os.sched_getaffinity(0) | set(range(CPUS))) if cpu != mine)
        child = _sleeper_on(other)
        try:
            _stopping_often_for(colocation, child.pid, (MISSES + 1.5) * WINDOW_NS / 1e9)
        finally:
            child.kill()
            child.wait()
        assert not colocation.pinned
        assert colocation.gave_up == 1  # and it is not tried again at once, within RETRY_NS
    finally:
        colocation.stop()


@many_cpus
def test_pin_is_kept_while_the_tracee_is_drawn_to_renacers_cpu() -> None:
    from renacer.backends.ptrace.colocate import MISSES, WINDOW_NS, Colocation

    colocation = Colocation()
    colocation.start()
    try:
        child = _sleeper_on(current_cpu())
        try:
            _stopping_often_for(colocation, child.pid, (MISSES + 1.5) * WINDOW_NS / 1e9)
        finally:
            child.kill()
            child.wait()
        assert colocation.pinned
        assert colocation.gave_up == 0
    finally:
        colocation.stop()
