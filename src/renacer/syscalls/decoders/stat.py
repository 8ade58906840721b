"""Decoders for file status: stat, fstat, newfstatat, statx, statfs, getdents64."""

from __future__ import annotations

from ...arch.abi import Abi
from ..base import DIRFD, FD, PATH, ULONG, ArgFormatter, Call, Decoder, flags, hexnum, out, sig
from ..format import ptr, quote
from ..xlat import STYLE, styled, xlat_style
from ..xlat.dirent import DIRENT_TYPES
from ..xlat.fs import (
    AT_FLAGS,
    AT_STATX_SYNC,
    FILE_TYPES,
    FS_MAGIC,
    STATFS_FLAGS,
    STATX_ATTRS,
    STATX_MASK,
)
from .common import array_text, date_comment, failed, read_struct, shown

S_IFMT = 0o170000
_SPECIAL = (0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX")


def mode_text(mode: int) -> str:
    """A file mode with its type: ``S_IFDIR|S_ISVTX|0777`` (under -X raw: ``040777``)."""
    if STYLE.get() != "abbrev":
        with xlat_style("abbrev"):
            text = mode_text(mode)
        return styled(f"0{mode:o}", text)
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
    return styled(hexnum(dev), f"makedev({hexnum(major)}, {hexnum(minor)})")


def _is_device(mode: int) -> bool:
    return mode & S_IFMT in (0o020000, 0o060000)


def stat_at(c: Call, addr: int, abi: Abi) -> str:
    """A struct stat in ``abi``'s layout: mode, then size or device number; every member under -v."""
    layout = abi.stat
    data = c.mem.read(addr, layout.size) if addr else None
    if data is None or len(data) < layout.size:
        return ptr(addr)
    st = layout.unpack(data)
    mode = st["st_mode"]
    second = f"st_rdev={_makedev(st['st_rdev'])}" if _is_device(mode) else f"st_size={st['st_size']}"
    if c.opts.abbrev:
        return f"{{st_mode={mode_text(mode)}, {second}, ...}}"
    times = []
    for name in ("st_atime", "st_mtime", "st_ctime"):
        sec, nsec = st[name], st[name + "_nsec"]
        times.append(f"{name}={sec}{date_comment(sec, nsec)}, {name}_nsec={nsec}")
    return (f"{{st_dev={_makedev(st['st_dev'])}, st_ino={st['st_ino']}, st_mode={mode_text(mode)}, "
            f"st_nlink={st['st_nlink']}, st_uid={st['st_uid']}, st_gid={st['st_gid']}, "
            f"st_blksize={st['st_blksize']}, st_blocks={st['st_blocks']}, {second}, "
            + ", ".join(times) + "}")


def stat_arg(abi: Abi) -> ArgFormatter:
    """A struct stat the kernel filled, in ``abi``'s layout; the pointer when the call failed."""
    return lambda c, i: ptr(c.args[i]) if failed(c) else stat_at(c, c.args[i], abi)


def statx_flags(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    # strace 6.1 prints a zero sync type as nothing at all under -X raw
    sync = "" if STYLE.get() == "raw" and not v & 0x6000 else AT_STATX_SYNC.value(v & 0x6000)
    rest = v & ~0x6000
    return f"{sync}|{AT_FLAGS.flags(rest)}" if rest else sync


def STATX_MASK_ARG(c: Call, i: int) -> str:
    return STATX_MASK.flags(c.args[i] & 0xFFFFFFFF)


def STATX(c: Call, i: int) -> str:
    """An abbreviated struct statx: mask, attributes, mode, then size or device numbers."""
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<IIQIIIH2xQQQQ" + "qI4x" * 4 + "IIIIQ")
    if got is None:
        return ptr(c.args[i])
    mask, blksize, attrs, nlink, uid, gid, mode, ino, size, blocks, attrs_mask = got[:11]
    if c.opts.abbrev:
        return (f"{{stx_mask={STATX_MASK.flags(mask)}, stx_attributes={STATX_ATTRS.flags(attrs)}, "
                f"stx_mode={mode_text(mode)}, stx_size={size}, ...}}")
    stamps = zip(_STATX_TIMES, _STATX_TIME_BITS, got[11:19:2], got[12:19:2], strict=True)
    times = [f"{name}={{tv_sec={sec}, tv_nsec={nsec}}}{date_comment(sec, nsec)}"
             for name, bit, sec, nsec in stamps if mask & bit]
    rmaj, rmin, dmaj, dmin, mnt_id = got[19:24]
    return (f"{{stx_mask={STATX_MASK.flags(mask)}, stx_blksize={blksize}, "
            f"stx_attributes={STATX_ATTRS.flags(attrs)}, stx_nlink={nlink}, stx_uid={uid}, stx_gid={gid}, "
            f"stx_mode={mode_text(mode)}, stx_ino={ino}, stx_size={size}, stx_blocks={blocks}, "
            f"stx_attributes_mask={STATX_ATTRS.flags(attrs_mask)}, " + ", ".join(times) + ", "
            f"stx_rdev_major={rmaj}, stx_rdev_minor={rmin}, stx_dev_major={dmaj}, stx_dev_minor={dmin}, "
            f"stx_mnt_id={mnt_id:#x}}}")


_STATX_TIMES = ("stx_atime", "stx_btime", "stx_ctime", "stx_mtime")
_STATX_TIME_BITS = (0x20, 0x800, 0x80, 0x40)  # STATX_ATIME, _BTIME, _CTIME, _MTIME: shown when valid


def STATFS(c: Call, i: int) -> str:
    """A struct statfs, in full as strace prints it."""
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<qqQQQQQIIqqq")
    if got is None:
        return ptr(c.args[i])
    ftype, bsize, blocks, bfree, bavail, files, ffree, fsid0, fsid1, namelen, frsize, fflags = got
    fsid = array_text([hexnum(v) for v in (fsid0, fsid1)][: shown(c, 2)], 2)
    return (f"{{f_type={FS_MAGIC.value(ftype)}, f_bsize={bsize}, f_blocks={blocks}, f_bfree={bfree}, "
            f"f_bavail={bavail}, f_files={files}, f_ffree={ffree}, f_fsid={{val={fsid}}}, "
            f"f_namelen={namelen}, f_frsize={frsize}, f_flags={STATFS_FLAGS.flags(fflags)}}}")


def DIRENTS(c: Call, i: int) -> str:
    """getdents64's buffer: the pointer and a count of the entries the kernel wrote."""
    addr = c.args[i]
    if failed(c):
        return ptr(addr)
    data = c.mem.read(addr, c.retval) if c.retval else b""
    if data is None:
        return ptr(addr)
    entries: list[str] = []
    off = 0
    while off + 19 <= len(data):
        reclen = int.from_bytes(data[off + 16:off + 18], "little")
        if reclen == 0:
            break
        if not c.opts.abbrev:
            ino = int.from_bytes(data[off:off + 8], "little")
            d_off = int.from_bytes(data[off + 8:off + 16], "little", signed=True)
            name = data[off + 19:off + reclen].split(b"\0", 1)[0]
            entries.append(f"{{d_ino={ino}, d_off={d_off}, d_reclen={reclen}, "
                           f"d_type={DIRENT_TYPES.value(data[off + 18])}, d_name={quote(name)}}}")
        else:
            entries.append("")
        off += reclen
    if c.opts.abbrev:
        return f"{ptr(addr)} /* {len(entries)} entries */"
    return "[" + ", ".join(entries) + "]"


_AT = flags(AT_FLAGS, width=32)

DECODERS: dict[str, Decoder] = {
    "statx": sig(DIRFD, PATH, statx_flags, STATX_MASK_ARG, out(STATX)),
    "statfs": sig(PATH, out(STATFS)),
    "fstatfs": sig(FD, out(STATFS)),
    "getdents64": sig(FD, out(DIRENTS), ULONG),
    "getdents": sig(FD, out(DIRENTS), ULONG),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The stat family, whose struct stat layout is the architecture's."""
    st = out(stat_arg(abi))
    return {
        "stat": sig(PATH, st),
        "lstat": sig(PATH, st),
        "fstat": sig(FD, st),
        "newfstatat": sig(DIRFD, PATH, st, _AT),
    }
