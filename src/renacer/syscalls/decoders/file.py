"""Decoders for files and paths: open, read, write, access, links, directories, xattrs."""

from __future__ import annotations

from ..base import (
    DIRFD,
    FD,
    INT,
    LONG,
    OUTBUF,
    PATH,
    ULONG,
    Call,
    Decoder,
    const,
    cstring,
    flags,
    inbuf,
    out,
    ret_fd,
    ret_octal,
    sig,
)
from ..format import octal_mode, ptr
from ..xlat.fs import (
    ACCESS_MODES,
    AT_EACCESS_FLAGS,
    AT_REMOVEDIR_FLAGS,
    FADVICE,
    OPEN_ACCESS,
    OPEN_FLAGS,
    RENAME_FLAGS,
    SEEK_WHENCE,
    XATTR_FLAGS,
)
from .common import failed

O_CREAT = 0o100
O_TMPFILE = 0o20200000


def open_flags(c: Call, i: int) -> str:
    """open(2) flags: the access mode always first (``O_RDONLY|O_CLOEXEC``)."""
    v = c.args[i] & 0xFFFFFFFF
    text = OPEN_ACCESS.value(v & 3)
    rest = v & ~3
    return f"{text}|{OPEN_FLAGS.flags(rest)}" if rest else text


def MODE(c: Call, i: int) -> str:
    return octal_mode(c.args[i] & 0xFFFFFFFF)


def ACCESS(c: Call, i: int) -> str:
    return ACCESS_MODES.flags(c.args[i] & 0xFFFFFFFF, "F_OK")


def _open_pieces(c: Call, first: int) -> list[str]:
    """Path, flags, and the mode only when the flags create a file (as strace prints)."""
    pieces = [PATH(c, first), open_flags(c, first + 1)]
    fl = c.args[first + 1]
    if fl & O_CREAT or (fl & O_TMPFILE) == O_TMPFILE:
        pieces.append(octal_mode(c.args[first + 2] & 0o7777))
    return pieces


def OUT_PATH(c: Call, i: int) -> str:
    """A path the kernel wrote (getcwd): the pointer when the call failed."""
    return ptr(c.args[i]) if failed(c) else PATH(c, i)


def OUT_XATTR(c: Call, i: int) -> str:
    """An attribute value the kernel wrote; strace prints the pointer when it wrote nothing."""
    if failed(c) or c.args[i] == 0:
        return ptr(c.args[i])
    return OUTBUF(c, i)


def XATTR_NAME(c: Call, i: int) -> str:
    return cstring(c, c.args[i], c.opts.string_limit)


def _xattr_list(c: Call, i: int) -> str:
    if failed(c) or c.args[i] == 0:
        return ptr(c.args[i])
    return OUTBUF(c, i)


_AT_EACCESS = flags(AT_EACCESS_FLAGS, width=32)

DECODERS: dict[str, Decoder] = {
    "read": sig(FD, out(OUTBUF), ULONG),
    "write": sig(FD, inbuf(2), ULONG),
    "pread64": sig(FD, out(OUTBUF), ULONG, LONG),
    "pwrite64": sig(FD, inbuf(2), ULONG, LONG),
    "close": sig(FD),
    "open": Decoder(lambda c: _open_pieces(c, 0), ret=ret_fd),
    "openat": Decoder(lambda c: [DIRFD(c, 0), *_open_pieces(c, 1)], ret=ret_fd),
    "creat": sig(PATH, MODE, ret=ret_fd),
    "lseek": sig(FD, LONG, const(SEEK_WHENCE, fallback="{:#x} /* SEEK_??? */")),
    "access": sig(PATH, ACCESS),
    "faccessat": sig(DIRFD, PATH, ACCESS),
    "faccessat2": sig(DIRFD, PATH, ACCESS, _AT_EACCESS),
    "readlink": sig(PATH, out(OUTBUF), ULONG),
    "readlinkat": sig(DIRFD, PATH, out(OUTBUF), ULONG),
    "getcwd": sig(out(OUT_PATH), ULONG),
    "chdir": sig(PATH),
    "fchdir": sig(FD),
    "chroot": sig(PATH),
    "unlink": sig(PATH),
    "unlinkat": sig(DIRFD, PATH, flags(AT_REMOVEDIR_FLAGS, width=32)),
    "rmdir": sig(PATH),
    "mkdir": sig(PATH, MODE),
    "mkdirat": sig(DIRFD, PATH, MODE),
    "rename": sig(PATH, PATH),
    "renameat": sig(DIRFD, PATH, DIRFD, PATH),
    "renameat2": sig(DIRFD, PATH, DIRFD, PATH, flags(RENAME_FLAGS, width=32)),
    "link": sig(PATH, PATH),
    "symlink": sig(PATH, PATH),
    "symlinkat": sig(PATH, DIRFD, PATH),
    "chmod": sig(PATH, MODE),
    "fchmod": sig(FD, MODE),
    "fchmodat": sig(DIRFD, PATH, MODE),
    "chown": sig(PATH, INT, INT),
    "fchown": sig(FD, INT, INT),
    "lchown": sig(PATH, INT, INT),
    "truncate": sig(PATH, LONG),
    "ftruncate": sig(FD, LONG),
    "fsync": sig(FD),
    "fdatasync": sig(FD),
    "umask": sig(MODE, ret=ret_octal),
    "fadvise64": sig(FD, LONG, LONG, const(FADVICE, fallback="{}")),
    "getxattr": sig(PATH, XATTR_NAME, out(OUT_XATTR), ULONG),
    "lgetxattr": sig(PATH, XATTR_NAME, out(OUT_XATTR), ULONG),
    "fgetxattr": sig(FD, XATTR_NAME, out(OUT_XATTR), ULONG),
    "setxattr": sig(PATH, XATTR_NAME, inbuf(3), ULONG, flags(XATTR_FLAGS, width=32)),
    "lsetxattr": sig(PATH, XATTR_NAME, inbuf(3), ULONG, flags(XATTR_FLAGS, width=32)),
    "fsetxattr": sig(FD, XATTR_NAME, inbuf(3), ULONG, flags(XATTR_FLAGS, width=32)),
    "listxattr": sig(PATH, out(_xattr_list), ULONG),
    "llistxattr": sig(PATH, out(_xattr_list), ULONG),
    "flistxattr": sig(FD, out(_xattr_list), ULONG),
    "sync": sig(),
}
