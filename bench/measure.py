"""One measured run of a command: wall time, the process's own CPU time and its peak memory.

The command is spawned in its own session. A thread polls VmHWM in /proc/PID/status (the kernel's
high-water mark of the process's resident set) every POLL_S while it runs. When it exits, it is
waited for with WNOWAIT, so it stays a zombie while /proc/PID/stat is read: fields 14 and 15 (utime,
stime) are then the CPU time of all its threads, its children's excluded (those are fields 16 and 17,
and only for children it waited for). Then it is reaped for its exit status.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.005
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Measured:
    """What one run of a command cost, and how it ended."""

    wall_s: float
    cpu_s: float  # the process's own user + system time, its children's excluded
    peak_kib: int  # the largest VmHWM seen while it ran
    status: int  # exit code, or -N when killed by signal N
    stderr: str
    timed_out: bool


def read_hwm_kib(pid: int) -> int:
    """VmHWM of a live process in KiB, 0 once its memory is gone (a zombie) or it is unreadable."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def own_cpu_s(pid: int) -> float:
    """utime + stime (fields 14, 15 of /proc/PID/stat) in seconds: all threads, no children."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rsplit(")", 1)[1].split()  # fields from 3 on; the name may hold spaces and parens
    return (int(fields[14 - 3]) + int(fields[15 - 3])) * TICK_S


def measure(argv: Sequence[str], env: Mapping[str, str], stderr_path: Path,
            timeout_s: float = 900.0) -> Measured:
    """Run argv (stdin and stdout /dev/null, stderr into stderr_path) and measure it."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(stderr_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    peak = [0]
    done = threading.Event()
    timed_out = [False]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], list(argv), dict(env), file_actions=actions, setsid=True)

    def watch() -> None:
        # The pid cannot be reused before the main thread reaps it, which it does after done is set.
        while not done.is_set():
            peak[0] = max(peak[0], read_hwm_kib(pid))
            if time.perf_counter() - start > timeout_s and not timed_out[0]:
                timed_out[0] = True
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            done.wait(POLL_S)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    cpu = own_cpu_s(pid)
    _, status = os.waitpid(pid, 0)
    try:
        os.killpg(pid, signal.SIGKILL)  # a tracee its tracer left behind
    except (ProcessLookupError, PermissionError):
        pass
    err = stderr_path.read_text(errors="replace")
    return Measured(wall, cpu, peak[0], os.waitstatus_to_exitcode(status), err, timed_out[0])
