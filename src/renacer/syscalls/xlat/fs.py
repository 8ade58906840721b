"""File-related constant tables (values from the kernel's asm-generic/fcntl.h)."""

from __future__ import annotations

from . import Xlat

# Access mode is the low two bits; printed first, always (O_RDONLY is 0).
OPEN_ACCESS = Xlat.of((0, "O_RDONLY"), (1, "O_WRONLY"), (2, "O_RDWR"), (3, "O_ACCMODE"))
# Order follows strace's output (observed), not numeric order.
OPEN_FLAGS = Xlat.of(
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o20200000, "O_TMPFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o200000, "O_DIRECTORY"),
    (0o10000000, "O_PATH"),
)
