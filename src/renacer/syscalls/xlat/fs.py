"""File-related constant tables (values from the kernel's asm-generic/fcntl.h; an arch's own in its Abi)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from . import Xlat

if TYPE_CHECKING:
    from ...arch.abi import Abi

# Access mode is the low two bits; printed first, always (O_RDONLY is 0).
OPEN_ACCESS = Xlat.of((0, "O_RDONLY"), (1, "O_WRONLY"), (2, "O_RDWR"), (3, "O_ACCMODE"))
_TMPFILE_BIT = 0o20000000  # __O_TMPFILE


@cache
def open_flags(abi: Abi) -> Xlat:
    """The O_* flags past the access mode, with ``abi``'s values for the four an arch may move.

    Order follows strace's output (observed), not numeric order: a flag whose bits include
    another's (O_SYNC has O_DSYNC's, O_TMPFILE has O_DIRECTORY's) comes before it.
    """
    return Xlat.of(
        (0o100, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (0o4010000, "O_SYNC"),
        (0o10000, "O_DSYNC"),
        (0o4000000, "__O_SYNC"),
        (abi.o_direct, "O_DIRECT"),
        (abi.o_largefile, "O_LARGEFILE"),
        (abi.o_nofollow, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o10000000, "O_PATH"),
        (o_tmpfile(abi), "O_TMPFILE"),
        (abi.o_directory, "O_DIRECTORY"),
        (_TMPFILE_BIT, "__O_TMPFILE"),
        (0o20000, "FASYNC"),
    )


def o_tmpfile(abi: Abi) -> int:
    """O_TMPFILE, which includes O_DIRECTORY's bit (linux/fcntl.h)."""
    return _TMPFILE_BIT | abi.o_directory


# *at() flags (linux/fcntl.h), numeric order as strace prints them.
AT_FLAGS = Xlat.of(
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
)
AT_EACCESS_FLAGS = Xlat.of((0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x1000, "AT_EMPTY_PATH"))
# name_to_handle_at knows only these two.
AT_HANDLE_FLAGS = Xlat.of((0x400, "AT_SYMLINK_FOLLOW"), (0x1000, "AT_EMPTY_PATH"))
# statx's synchronisation type is a two-bit field inside the flags, printed first.
AT_STATX_SYNC = Xlat.of(
    (0, "AT_STATX_SYNC_AS_STAT"), (0x2000, "AT_STATX_FORCE_SYNC"), (0x4000, "AT_STATX_DONT_SYNC")
)
STATX_MASK = Xlat.of(
    (0xFFF, "STATX_ALL"),
    (0x7FF, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
)
STATX_ATTRS = Xlat.of(
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
)
# File type: the S_IFMT bits of a mode (linux/stat.h).
FILE_TYPES = Xlat.of(
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (0o060000, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (0o020000, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
)
ACCESS_MODES = Xlat.of((4, "R_OK"), (2, "W_OK"), (1, "X_OK"))
SEEK_WHENCE = Xlat.of((0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE"))
FADVICE = Xlat.of(
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
)
FCNTL_CMDS = Xlat.of(
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1029, "F_CANCELLK"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
)
FD_FLAGS = Xlat.of((1, "FD_CLOEXEC"),)
SEALS = Xlat.of(
    (0x1, "F_SEAL_SEAL"),
    (0x2, "F_SEAL_SHRINK"),
    (0x4, "F_SEAL_GROW"),
    (0x8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
)
LOCK_TYPES = Xlat.of((0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK"))
XATTR_FLAGS = Xlat.of((1, "XATTR_CREATE"), (2, "XATTR_REPLACE"))
RENAME_FLAGS = Xlat.of((1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT"))
CLOSE_RANGE_FLAGS = Xlat.of((2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC"))
# statfs f_type (linux/magic.h); ext2/3/4 share one value, strace names it EXT2_SUPER_MAGIC.
FS_MAGIC = Xlat.of(
    (0xEF53, "EXT2_SUPER_MAGIC"),
    (0x01021994, "TMPFS_MAGIC"),
    (0x9FA0, "PROC_SUPER_MAGIC"),
    (0x62656572, "SYSFS_MAGIC"),
    (0x1CD1, "DEVPTS_SUPER_MAGIC"),
    (0x794C7630, "OVERLAYFS_SUPER_MAGIC"),
    (0x9123683E, "BTRFS_SUPER_MAGIC"),
    (0x58465342, "XFS_SUPER_MAGIC"),
    (0x27E0EB, "CGROUP_SUPER_MAGIC"),
    (0x63677270, "CGROUP2_SUPER_MAGIC"),
    (0x65735546, "FUSE_SUPER_MAGIC"),
    (0x6969, "NFS_SUPER_MAGIC"),
    (0x858458F6, "RAMFS_MAGIC"),
    (0x73717368, "SQUASHFS_MAGIC"),
    (0x64626720, "DEBUGFS_MAGIC"),
    (0x74726163, "TRACEFS_MAGIC"),
    (0x01021997, "V9FS_MAGIC"),
    (0x50495045, "PIPEFS_MAGIC"),
    (0x534F434B, "SOCKFS_MAGIC"),
    (0x958458F6, "HUGETLBFS_MAGIC"),
    (0x4D44, "MSDOS_SUPER_MAGIC"),
    (0xF2F52010, "F2FS_SUPER_MAGIC"),
    (0x2011BAB0, "EXFAT_SUPER_MAGIC"),
    (0xCAFE4A11, "BPF_FS_MAGIC"),
    (0x6E736673, "NSFS_MAGIC"),
    (0x09041934, "ANON_INODE_FS_MAGIC"),
    (0xF97CFF8C, "SELINUX_MAGIC"),
    (0x73636673, "SECURITYFS_MAGIC"),
)
# statfs f_flags (the kernel's ST_* mount flags); ST_VALID says the field is filled in.
STATFS_FLAGS = Xlat.of(
    (0x1, "ST_RDONLY"),
    (0x2, "ST_NOSUID"),
    (0x4, "ST_NODEV"),
    (0x8, "ST_NOEXEC"),
    (0x10, "ST_SYNCHRONOUS"),
    (0x20, "ST_VALID"),
    (0x40, "ST_MANDLOCK"),
    (0x400, "ST_NOATIME"),
    (0x800, "ST_NODIRATIME"),
    (0x1000, "ST_RELATIME"),
    (0x2000, "ST_NOSYMFOLLOW"),
)
