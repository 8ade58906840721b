"""Decoders for files and paths: open, read, write, access, links, directories, xattrs."""

from __future__ import annotations

from collections.abc import Callable

from ...arch.abi import X86_64_ABI, Abi
from ..base import (
    DIRFD,
    FD,
    LONG,
    OUTBUF,
    PATH,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    buffer,
    const,
    cstring,
    hexnum,
    inbuf,
    noted_flags,
    noted_flags_text,
    out,
    ret_fd,
    ret_octal,
    sig,
)
from ..format import octal_mode, ptr, quote
from ..xlat import STYLE, styled, xlat_style
from ..xlat.fs import (
    ACCESS_MODES,
    AT_EACCESS_FLAGS,
    AT_FLAGS,
    FADVICE,
    OPEN_ACCESS,
    RENAME_FLAGS,
    SEEK_WHENCE,
    XATTR_FLAGS,
    o_tmpfile,
)
from ..xlat.fs import open_flags as open_flags_table
from .common import failed

O_CREAT = 0o100
MODE_BITS = 0o177777  # the kernel's umode_t: strace shows a mode cut to 16 bits


def abbrev_text(render: Callable[[int], str], value: int) -> str:
    """What ``render`` prints for ``value`` with constants by name, whatever -X says."""
    with xlat_style("abbrev"):
        return render(value)


def whole_value(value: int, render: Callable[[int], str]) -> str:
    """A value several tables name at once (``O_RDONLY|O_CLOEXEC``): under -X raw its hex number,
    under -X verbose the number then the names, as strace prints such values."""
    if STYLE.get() == "abbrev":
        return render(value)
    return styled(hexnum(value), abbrev_text(render, value))


def open_flags_text(v: int, abi: Abi = X86_64_ABI) -> str:
    """Open flags as strace prints them, the access mode always first; one number under -X."""
    table = open_flags_table(abi)

    def names(v: int) -> str:
        text = OPEN_ACCESS.value(v & 3)
        rest = v & ~3
        return f"{text}|{table.flags(rest)}" if rest else text

    return whole_value(v, names)


def open_flags_arg(abi: Abi) -> ArgFormatter:
    """An open(2) flags argument with ``abi``'s values: the access mode first (``O_RDONLY|O_CLOEXEC``)."""

    def fmt(c: Call, i: int) -> str:
        return open_flags_text(c.args[i] & 0xFFFFFFFF, abi)

    return fmt


open_flags = open_flags_arg(X86_64_ABI)


def creates(flags: int, abi: Abi) -> bool:
    """Whether open flags make a file, so that a mode is passed (O_CREAT, O_TMPFILE)."""
    return bool(flags & O_CREAT) or flags & o_tmpfile(abi) == o_tmpfile(abi)


def MODE(c: Call, i: int) -> str:
    return octal_mode(c.args[i] & MODE_BITS)


def ACCESS(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    return noted_flags_text(ACCESS_MODES, v, "?_OK") if v else styled("0", "F_OK")


def ID(c: Call, i: int) -> str:
    """A uid or gid: unsigned, but -1 (\"leave unchanged\") as -1."""
    v = c.args[i] & 0xFFFFFFFF
    return "-1" if v == 0xFFFFFFFF else str(v)


def _open_pieces(c: Call, first: int, abi: Abi) -> list[str]:
    """Path, flags, and the mode only when the flags create a file (as strace prints)."""
    pieces = [PATH(c, first), open_flags_text(c.args[first + 1] & 0xFFFFFFFF, abi)]
    if creates(c.args[first + 1], abi):
        pieces.append(octal_mode(c.args[first + 2] & 0o7777))
    return pieces


def OUT_PATH(c: Call, i: int) -> str:
    """A path the kernel wrote (getcwd): the pointer when the call failed."""
    return ptr(c.args[i]) if failed(c) else PATH(c, i)


def xattr_value(c: Call, addr: int, size: int) -> str:
    """An attribute value: a NUL that ends it is left out, unless -s cuts the value short or
    -x/-xx print it in hex."""
    if addr == 0:
        return "NULL"
    if 0 < size <= c.opts.string_limit:
        data = c.mem.read(addr, size)
        if data is None or len(data) < size:
            return ptr(addr)
        hexed = quote(data, hex_strings=c.opts.hex_strings) != quote(data)
        return quote(data if hexed or not data.endswith(b"\0") else data[:-1], hex_strings=c.opts.hex_strings)
    return buffer(c, addr, size)


def XATTR_IN(c: Call, i: int) -> str:
    """The value setxattr stores; its size is the next argument."""
    return xattr_value(c, c.args[i], c.args[i + 1])


def OUT_XATTR(c: Call, i: int) -> str:
    """An attribute value the kernel wrote: ``retval`` bytes, the pointer when it wrote nothing."""
    if failed(c) or c.args[i] == 0:
        return ptr(c.args[i])
    return xattr_value(c, c.args[i], c.retval)


def XATTR_NAME(c: Call, i: int) -> str:
    return cstring(c, c.args[i], c.opts.string_limit)


def _xattr_list(c: Call, i: int) -> str:
    if failed(c) or c.args[i] == 0:
        return ptr(c.args[i])
    return OUTBUF(c, i)


_AT_EACCESS = noted_flags(AT_EACCESS_FLAGS, "AT_???")
_AT = noted_flags(AT_FLAGS, "AT_???")
_XATTR = noted_flags(XATTR_FLAGS, "XATTR_???")

DECODERS: dict[str, Decoder] = {
    "read": sig(FD, out(OUTBUF), ULONG),
    "write": sig(FD, inbuf(2), ULONG),
    "pread64": sig(FD, out(OUTBUF), ULONG, LONG),
    "pwrite64": sig(FD, inbuf(2), ULONG, LONG),
    "close": sig(FD),
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
    "unlinkat": sig(DIRFD, PATH, _AT),
    "rmdir": sig(PATH),
    "mkdir": sig(PATH, MODE),
    "mkdirat": sig(DIRFD, PATH, MODE),
    "rename": sig(PATH, PATH),
    "renameat": sig(DIRFD, PATH, DIRFD, PATH),
    "renameat2": sig(DIRFD, PATH, DIRFD, PATH, noted_flags(RENAME_FLAGS, "RENAME_??")),
    "link": sig(PATH, PATH),
    "symlink": sig(PATH, PATH),
    "symlinkat": sig(PATH, DIRFD, PATH),
    "chmod": sig(PATH, MODE),
    "fchmod": sig(FD, MODE),
    "fchmodat": sig(DIRFD, PATH, MODE),
    "chown": sig(PATH, ID, ID),
    "fchown": sig(FD, ID, ID),
    "lchown": sig(PATH, ID, ID),
    "truncate": sig(PATH, ULONG),
    "ftruncate": sig(FD, ULONG),
    "fsync": sig(FD),
    "fdatasync": sig(FD),
    "umask": sig(MODE, ret=ret_octal),
    "fadvise64": sig(FD, LONG, LONG, const(FADVICE, fallback="{}")),
    "getxattr": sig(PATH, XATTR_NAME, out(OUT_XATTR), ULONG),
    "lgetxattr": sig(PATH, XATTR_NAME, out(OUT_XATTR), ULONG),
    "fgetxattr": sig(FD, XATTR_NAME, out(OUT_XATTR), ULONG),
    "setxattr": sig(PATH, XATTR_NAME, XATTR_IN, ULONG, _XATTR),
    "lsetxattr": sig(PATH, XATTR_NAME, XATTR_IN, ULONG, _XATTR),
    "fsetxattr": sig(FD, XATTR_NAME, XATTR_IN, ULONG, _XATTR),
    "listxattr": sig(PATH, out(_xattr_list), ULONG),
    "llistxattr": sig(PATH, out(_xattr_list), ULONG),
    "flistxattr": sig(FD, out(_xattr_list), ULONG),
    "sync": sig(),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The decoders whose flag values depend on the architecture's ABI."""
    return {
        "open": Decoder(lambda c: _open_pieces(c, 0, abi), ret=ret_fd),
        "openat": Decoder(lambda c: [DIRFD(c, 0), *_open_pieces(c, 1, abi)], ret=ret_fd),
    }
