"""Keeping the tracer on one CPU, so that each ptrace stop wakes it on its tracee's CPU.

Every syscall stop hands control from the tracee to the tracer and back. When the two run on
different CPUs, each hand-over wakes an idle CPU; in a virtual machine that is a halted vCPU,
and the wake-up costs far more than the stop itself (about 90 µs a stop measured here, against
about 6 µs when both share a CPU). A stopping tracee wakes its tracer with a synchronous wake-up,
and a waking tracee is placed near its waker, so pinning only the tracer draws each tracee to
it while the tracee's own CPU mask stays as it was: ``nproc`` under renacer still counts every
CPU.

The pull is the scheduler's choice, and not every host makes it: a waking tracee whose own
CPU is idle may stay there (seen on a later host of this project, where the tracee kept its
CPU and every stop still crossed, in some runs and not in others). So the pin checks itself:
while pinned, at the end of each window, the task that just stopped must have last run on
renacer's CPU; after MISSES windows in a row where it did not, the pin is dropped for RETRY_NS,
since meanwhile it costs renacer the freedom to move off a busy CPU and buys nothing.

The pull has a price: threads that compute between their syscalls are drawn to one CPU at
each stop (measured here: two computing threads making 200 syscalls each ran 1.9x slower under
a pinned tracer). So the pin follows the stop rate: kept while stops come often enough that
their wake-ups would dominate, dropped while they are rare and the wake-ups cost little.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

WINDOW_NS = 50_000_000  # how often the stop rate is looked at
PIN_RATE = 2000  # stops a second from which cross-CPU wake-ups (~90 µs each) would cost over 18%
MISSES = 2  # windows in a row whose stopped task ran off renacer's CPU: the pull does not happen now
RETRY_NS = 1_000_000_000  # how long a pin that drew nothing is left off before it is tried again


def current_cpu() -> int | None:
    """The CPU this thread is running on now (field 39 of /proc/thread-self/stat), or None."""
    return last_cpu("thread-self")


def last_cpu(task: int | str) -> int | None:
    """The CPU a task ran on last (now, for a running one; field 39 of its stat), or None."""
    try:
        with open(f"/proc/{task}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[36])  # fields after the command name start at field 3
    except (OSError, IndexError, ValueError):
        return None


def pin_to_current_cpu() -> Callable[[], None] | None:
    """Pin the calling thread to its current CPU; returns what restores its former mask.

    None when there is nothing to do: a mask of one CPU already, or no way to read or set it.
    """
    try:
        former = os.sched_getaffinity(0)
    except OSError:
        return None
    cpu = current_cpu()
    if len(former) <= 1 or cpu is None or cpu not in former:
        return None
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return None

    def restore() -> None:
        try:
            os.sched_setaffinity(0, former)
        except OSError:
            pass

    return restore


class Colocation:
    """Pins the tracer while its tracees stop often, and lets it go while they stop rarely."""

    __slots__ = ("_restore", "_stops", "_since", "_min_stops", "_cpu", "_misses", "_retry_at", "gave_up")

    def __init__(self) -> None:
        self._restore: Callable[[], None] | None = None
        self._stops = 0
        self._since = time.monotonic_ns()
        self._min_stops = PIN_RATE * WINDOW_NS // 1_000_000_000
        self._cpu: int | None = None  # the CPU pinned to
        self._misses = 0
        self._retry_at = 0  # monotonic ns before which no pin is tried again
        self.gave_up = 0  # pins dropped because the tracees were not drawn to renacer's CPU

    @property
    def pinned(self) -> bool:
        return self._restore is not None

    def start(self) -> None:
        """Pin now: a program's start (loading, mapping) makes many syscalls in a row."""
        self._pin()
        self._stops, self._since = 0, time.monotonic_ns()

    def _pin(self) -> None:
        self._restore = pin_to_current_cpu()
        self._cpu = current_cpu() if self._restore is not None else None
        self._misses = 0

    def stop(self) -> None:
        """Give the thread its former CPU mask back."""
        if self._restore is not None:
            self._restore()
            self._restore = None

    def tick(self, tid: int) -> None:
        """Count the stop of ``tid``; at the end of each window, pin or unpin by the window's stop rate."""
        self._stops += 1
        now = time.monotonic_ns()
        if now - self._since < WINDOW_NS:
            return
        self._stops, stops, since = 0, self._stops, self._since
        self._since = now
        if self._restore is not None and not self._drawn(tid):
            self.stop()
            self.gave_up += 1
            self._retry_at = now + RETRY_NS
            return
        often = stops * WINDOW_NS >= self._min_stops * (now - since)
        if often and self._restore is None and now >= self._retry_at:
            self._pin()
        elif not often and self._restore is not None:
            self.stop()

    def _drawn(self, tid: int) -> bool:
        """False once the stopped tasks ran off the pinned CPU for MISSES windows in a row."""
        cpu = last_cpu(tid)
        self._misses = 0 if cpu is None or cpu == self._cpu else self._misses + 1
        return self._misses < MISSES
