"""An acquire fence for reading a BPF ring buffer from Python, on a CPU that may reorder loads.

The kernel publishes a record with store-release: its bytes, then its header's length without the
BUSY bit, and the producer position. A consumer must read those with load-acquire (libbpf does):
the position before the headers it covers, a header before the bytes it describes. Some CPUs
(x86) keep loads in order anyway; others (arm64) may satisfy a later load first, so the consumer
fences between them. Python has no fence of its own: GCC's libatomic exports one as a function
(``atomic_thread_fence``). Without libatomic, sched_yield(2) is the fence: the kernel's schedule
path runs a full barrier (smp_mb__after_spinlock) on every call, whether or not it switches.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

_ATOMIC_ACQUIRE = 2  # __ATOMIC_ACQUIRE: later loads stay after the loads before the fence


def _fence() -> Callable[[], None]:
    try:
        fence = ctypes.CDLL("libatomic.so.1").atomic_thread_fence
    except (OSError, AttributeError):
        return os.sched_yield
    fence.argtypes, fence.restype = [ctypes.c_int], None
    return lambda: fence(_ATOMIC_ACQUIRE)


acquire: Callable[[], None] = _fence()
"""Keep every load made after this call after every load made before it."""
