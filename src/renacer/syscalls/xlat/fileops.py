"""Constant tables for the file calls beyond open/read/write (values from linux/openat2.h,
linux/falloc.h, linux/memfd.h, bits/fcntl-linux.h, bits/stat.h); entries in the order strace prints."""

from __future__ import annotations

from . import Xlat

RESOLVE_FLAGS = Xlat.of(
    (0x01, "RESOLVE_NO_XDEV"),
    (0x02, "RESOLVE_NO_MAGICLINKS"),
    (0x04, "RESOLVE_NO_SYMLINKS"),
    (0x08, "RESOLVE_BENEATH"),
    (0x10, "RESOLVE_IN_ROOT"),
    (0x20, "RESOLVE_CACHED"),
)
FALLOC_FLAGS = Xlat.of(
    (0x01, "FALLOC_FL_KEEP_SIZE"),
    (0x02, "FALLOC_FL_PUNCH_HOLE"),
    (0x04, "FALLOC_FL_NO_HIDE_STALE"),
    (0x08, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
)
# LOCK_RW (LOCK_READ|LOCK_WRITE) is named before its parts, as strace prints it.
FLOCK_OPS = Xlat.of(
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
    (32, "LOCK_MAND"),
    (192, "LOCK_RW"),
    (64, "LOCK_READ"),
    (128, "LOCK_WRITE"),
)
SPLICE_FLAGS = Xlat.of(
    (1, "SPLICE_F_MOVE"), (2, "SPLICE_F_NONBLOCK"), (4, "SPLICE_F_MORE"), (8, "SPLICE_F_GIFT")
)
SYNC_FILE_RANGE_FLAGS = Xlat.of(
    (1, "SYNC_FILE_RANGE_WAIT_BEFORE"), (2, "SYNC_FILE_RANGE_WRITE"), (4, "SYNC_FILE_RANGE_WAIT_AFTER")
)
MFD_FLAGS = Xlat.of((1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB"))
MFD_HUGE_SHIFT = 26  # a huge page size's log2 sits in the top six bits
MFD_HUGE_MASK = 0x3F
# The two tv_nsec values that are no time at all.
UTIME_SPECIAL = Xlat.of(((1 << 30) - 1, "UTIME_NOW"), ((1 << 30) - 2, "UTIME_OMIT"))
# mknod's mode: the set-id bits print by name between the file type and the permissions.
MODE_SETID_BITS = Xlat.of((0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX"))
MAX_HANDLE_SZ = 128
