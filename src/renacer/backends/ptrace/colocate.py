"""Keeping the tracer on one CPU, so that each ptrace stop wakes it on its tracee's CPU.

Every syscall stop hands control from the tracee to the tracer and back. When the two run on
different CPUs, each hand-over wakes an idle CPU; in a virtual machine that is a halted vCPU,
and the wake-up costs far more than the stop itself (about 90 µs a stop measured here, against
about 6 µs when both share a CPU). A stopping tracee wakes its tracer with a synchronous wake-up,
and a waking tracee is placed near its waker, so pinning only the tracer draws each tracee to
it while the tracee's own CPU mask stays as it was: ``nproc`` under renacer still counts every
CPU.

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


def current_cpu() -> int | None:
    """The CPU this thread is running on now (field 39 of /proc/thread-self/stat), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
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

    __slots__ = ("_restore", "_stops", "_since", "_min_stops")

    def __init__(self) -> None:
        self._restore: Callable[[], None] | None = None
        self._stops = 0
        self._since = time.monotonic_ns()
        self._min_stops = PIN_RATE * WINDOW_NS // 1_000_000_000

    @property
    def pinned(self) -> bool:
        return self._restore is not None

    def start(self) -> None:
        """Pin now: a program's start (loading, mapping) makes many syscalls in a row."""
        self._restore = pin_to_current_cpu()
        self._stops, self._since = 0, time.monotonic_ns()

    def stop(self) -> None:
        """Give the thread its former CPU mask back."""
        if self._restore is not None:
            self._restore()
            self._restore = None

    def tick(self) -> None:
        """Count one stop; at the end of each window, pin or unpin by the window's stop rate."""
        self._stops += 1
        now = time.monotonic_ns()
        if now - self._since < WINDOW_NS:
            return
        often = self._stops * WINDOW_NS >= self._min_stops * (now - self._since)
        if often and self._restore is None:
            self._restore = pin_to_current_cpu()
        elif not often and self._restore is not None:
            self.stop()
        self._stops, self._since = 0, now
