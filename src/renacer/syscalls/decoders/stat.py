"""Decoders for file status: stat, fstat, newfstatat, statx, statfs, getdents64."""

from __future__ import annotations

from ..base import DIRFD, FD, PATH, ULONG, Call, Decoder, flags, out, sig
from ..format import ptr
from ..xlat.fs import AT_FLAGS, AT_STATX_SYNC, FILE_TYPES, FS_MAGIC, STATFS_FLAGS, STATX_ATTRS, STATX_MASK
from .common import failed, read_struct

S_IFMT = 0o170000
_SPECIAL = (0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX")


def mode_text(mode: int) -> str:
    """A file mode with its type: ``S_IFDIR|S_ISVTX|0777``."""
    parts = []
    ftype = mode & S_IFMT
    if ftype:
        parts.append(FILE_TYPES.value(ftype, "{:#o}"))
    parts += [name for bit, name in _SPECIAL if mode & bit]
    parts.append(f"{mode & 0o777:#05o}".replace("0o", "0"))
    return "|".join(parts)


def _makedev(dev: int) -> str:
    major = ((dev >> 32) & 0xFFFFF000) | ((dev >> 8) & 0xFFF)
    minor = ((dev >> 12) & 0xFFFFFF00) | (dev & 0xFF)
    return f"makedev({major:#x}, {minor:#x})"


def _is_device(mode: int) -> bool:
    return mode & S_IFMT in (0o020000, 0o060000)


def stat_at(c: Call, addr: int) -> str:
    """An abbreviated struct stat (x86_64 layout): mode, then size or device number."""
    got = read_struct(c, addr, "<QQQIII4xQq")
    if got is None:
        return ptr(addr)
    mode, rdev, size = got[3], got[6], got[7]
    second = f"st_rdev={_makedev(rdev)}" if _is_device(mode) else f"st_size={size}"
    return f"{{st_mode={mode_text(mode)}, {second}, ...}}"


def STAT(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else stat_at(c, c.args[i])


def statx_flags(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    sync = AT_STATX_SYNC.value(v & 0x6000)
    rest = v & ~0x6000
    return f"{sync}|{AT_FLAGS.flags(rest)}" if rest else sync


def STATX_MASK_ARG(c: Call, i: int) -> str:
    return STATX_MASK.flags(c.args[i] & 0xFFFFFFFF)


def STATX(c: Call, i: int) -> str:
    """An abbreviated struct statx: mask, attributes, mode, then size or device numbers."""
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<IIQIIIH2xQQ")
    if got is None:
        return ptr(c.args[i])
    mask, attrs, mode, size = got[0], got[2], got[6], got[8]
    parts = [f"stx_mask={STATX_MASK.flags(mask)}", f"stx_attributes={STATX_ATTRS.flags(attrs)}",
             f"stx_mode={mode_text(mode)}"]
    if _is_device(mode):
        dev = read_struct(c, c.args[i] + 128, "<II")
        if dev is not None:
            parts.append(f"stx_rdev_major={dev[0]}, stx_rdev_minor={dev[1]}")
    else:
        parts.append(f"stx_size={size}")
    return "{" + ", ".join(parts) + ", ...}"


def STATFS(c: Call, i: int) -> str:
    """A struct statfs, in full as strace prints it."""
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<qqQQQQQIIqqq")
    if got is None:
        return ptr(c.args[i])
    ftype, bsize, blocks, bfree, bavail, files, ffree, fsid0, fsid1, namelen, frsize, fflags = got
    return (f"{{f_type={FS_MAGIC.value(ftype)}, f_bsize={bsize}, f_blocks={blocks}, f_bfree={bfree}, "
            f"f_bavail={bavail}, f_files={files}, f_ffree={ffree}, f_fsid={{val=[{fsid0:#x}, {fsid1:#x}]}}, "
            f"f_namelen={namelen}, f_frsize={frsize}, f_flags={STATFS_FLAGS.flags(fflags)}}}")


def DIRENTS(c: Call, i: int) -> str:
    """getdents64's buffer: the pointer and a count of the entries the kernel wrote."""
    addr = c.args[i]
    if failed(c):
        return ptr(addr)
    data = c.mem.read(addr, c.retval) if c.retval else b""
    if data is None:
        return ptr(addr)
    count, off = 0, 0
    while off + 19 <= len(data):
        reclen = int.from_bytes(data[off + 16:off + 18], "little")
        if reclen == 0:
            break
        count += 1
        off += reclen
    return f"{ptr(addr)} /* {count} entries */"


_AT = flags(AT_FLAGS, width=32)

DECODERS: dict[str, Decoder] = {
    "stat": sig(PATH, out(STAT)),
    "lstat": sig(PATH, out(STAT)),
    "fstat": sig(FD, out(STAT)),
    "newfstatat": sig(DIRFD, PATH, out(STAT), _AT),
    "statx": sig(DIRFD, PATH, statx_flags, STATX_MASK_ARG, out(STATX)),
    "statfs": sig(PATH, out(STATFS)),
    "fstatfs": sig(FD, out(STATFS)),
    "getdents64": sig(FD, out(DIRENTS), ULONG),
    "getdents": sig(FD, out(DIRENTS), ULONG),
}
