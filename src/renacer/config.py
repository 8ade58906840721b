"""Config: everything one run needs, parsed once by the CLI or built by the Python API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Config:
    """What to trace and how to show it."""

    command: tuple[str, ...] = ()  # program and arguments to spawn (empty with -p)
    pids: tuple[int, ...] = ()  # processes to attach to (-p)
    follow_forks: bool = False  # -f
    output: str | None = None  # -o FILE
    output_per_process: bool = False  # -ff
    string_limit: int = 32  # -s N
    quiet: int = 0  # -q (1), -qq (2)
    timestamps: int = 0  # -t (1), -tt (2), -ttt (3)
    relative_timestamps: bool = False  # -r
    syscall_times: bool = False  # -T
    fd_paths: int = 0  # -y
    trace: frozenset[int] | None = None  # -e trace=: syscall numbers to show; None is all
    env: dict[str, str] | None = None  # environment for the spawned command (None: inherit)
    cwd: str | None = None
    decode: bool = True  # produce decoded argument text (sinks that print need it)
    align_column: int = 40  # strace's -a default
