"""Decoders for the file calls beyond open/read/write: openat2, sendfile, splice, fallocate, utimensat..."""

from __future__ import annotations

from ...arch.abi import Abi
from ..base import (
    DIRFD,
    FD,
    LONG,
    PATH,
    STR,
    UINT,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    hexnum,
    noted_flags,
    noted_flags_text,
    ret_fd,
    sig,
)
from ..format import octal_mode, ptr, quote
from ..xlat import STYLE, styled
from ..xlat.fileops import (
    FALLOC_FLAGS,
    FLOCK_OPS,
    MAX_HANDLE_SZ,
    MFD_FLAGS,
    MFD_HUGE_MASK,
    MFD_HUGE_SHIFT,
    MODE_SETID_BITS,
    RESOLVE_FLAGS,
    SPLICE_FLAGS,
    SYNC_FILE_RANGE_FLAGS,
    UTIME_SPECIAL,
)
from ..xlat.fs import AT_FLAGS, AT_HANDLE_FLAGS, FILE_TYPES
from .common import date_comment, failed, int_at, read_struct
from .file import (
    ID,
    MODE_BITS,
    XATTR_NAME,
    abbrev_text,
    creates,
    open_flags_arg,
    open_flags_text,
    whole_value,
)
from .msg import IOV_IN

OPEN_HOW_SIZE = 24  # flags, mode, resolve: three u64
OPEN_HOW_TAIL_MAX = 4096  # strace looks at most this far into a larger struct
S_IFMT, S_IFCHR, S_IFBLK = 0o170000, 0o020000, 0o060000
NSEC_PER_SEC, USEC_PER_SEC = 1_000_000_000, 1_000_000

_AT = noted_flags(AT_FLAGS, "AT_???")


def _read(c: Call, addr: int, fmt: str) -> tuple[int, ...] | None:
    """A struct the call points at; None when unreadable or under -e verbose=none (a pointer then)."""
    return read_struct(c, addr, fmt) if c.opts.verbose else None
_SPLICE = noted_flags(SPLICE_FLAGS, "SPLICE_F_???")


# ---- openat2 -------------------------------------------------------------------------------


def open_how_text(c: Call, addr: int, size: int, abi: Abi) -> str:
    """struct open_how: ``{flags=O_RDONLY, mode=0600, resolve=RESOLVE_BENEATH}``, then any nonzero tail."""
    if addr == 0:
        return "NULL"
    got = _read(c, addr, "<QQQ") if size >= OPEN_HOW_SIZE else None
    if got is None:
        return ptr(addr)
    fl, mode, resolve = got
    parts = [f"flags={open_flags_text(fl, abi)}"]
    if creates(fl, abi) or mode:
        parts.append(f"mode={octal_mode(mode)}")
    parts.append(f"resolve={noted_flags_text(RESOLVE_FLAGS, resolve, 'RESOLVE_???')}")
    end = min(size, OPEN_HOW_TAIL_MAX)
    if end > OPEN_HOW_SIZE:
        tail = c.mem.read(addr + OPEN_HOW_SIZE, end - OPEN_HOW_SIZE)
        if tail is None or len(tail) < end - OPEN_HOW_SIZE:
            parts.append("???")
        elif tail.strip(b"\0"):
            limit = c.opts.string_limit
            shown = quote(tail[:limit], truncated=len(tail) > limit, force_hex=True)
            parts.append(f"/* bytes {OPEN_HOW_SIZE}..{end - 1} */ {shown}")
    return "{" + ", ".join(parts) + "}"


def _open_how(abi: Abi) -> ArgFormatter:
    return lambda c, i: open_how_text(c, c.args[i], c.args[i + 1], abi)


# ---- offsets: sendfile, copy_file_range, splice --------------------------------------------


def loff_at(c: Call, addr: int) -> str:
    """A loff_t the call reads: ``[5]``, ``NULL``, the pointer when unreadable."""
    if addr == 0:
        return "NULL"
    got = _read(c, addr, "<q")
    return ptr(addr) if got is None else f"[{got[0]}]"


def LOFF(c: Call, i: int) -> str:
    return loff_at(c, c.args[i])


def _sendfile_updates(c: Call) -> bool:
    """sendfile writes the offset back: it prints at exit when there is one to read."""
    return _read(c, c.args[2], "<q") is not None


def _sendfile_enter(c: Call) -> list[str]:
    pieces = [FD(c, 0), FD(c, 1), LOFF(c, 2)]
    return pieces if _sendfile_updates(c) else [*pieces, ULONG(c, 3)]


def _sendfile_exit(c: Call) -> list[str]:
    """`` => [5]`` glued to the offset read at entry, then the count."""
    moved = "" if failed(c) else f" => {LOFF(c, 2)}"
    return [moved, ULONG(c, 3)]


# ---- times: utimensat, utimes, futimesat, utime --------------------------------------------


def _utimespec(sec: int, nsec: int) -> str:
    """One utimensat time; UTIME_NOW and UTIME_OMIT by name (under -X, the struct and the name)."""
    special = UTIME_SPECIAL.name(nsec)
    struct_text = f"{{tv_sec={sec}, tv_nsec={nsec}}}"
    if special is not None:
        return styled(struct_text, special)
    note = date_comment(sec, nsec) if nsec < NSEC_PER_SEC else ""
    return struct_text + note


def _timeval(sec: int, usec: int) -> str:
    note = date_comment(sec, usec, 6) if usec < USEC_PER_SEC else ""
    return f"{{tv_sec={sec}, tv_usec={usec}}}{note}"


def UTIMENS(c: Call, i: int) -> str:
    """utimensat's two timespecs: ``[UTIME_NOW, {tv_sec=1, tv_nsec=0} /* ... */]``."""
    got = _read(c, c.args[i], "<qQqQ")
    if got is None:
        return "NULL" if c.args[i] == 0 else ptr(c.args[i])
    return f"[{_utimespec(got[0], got[1])}, {_utimespec(got[2], got[3])}]"


def TIMEVALS(c: Call, i: int) -> str:
    """utimes's two timevals."""
    got = _read(c, c.args[i], "<qQqQ")
    if got is None:
        return "NULL" if c.args[i] == 0 else ptr(c.args[i])
    return f"[{_timeval(got[0], got[1])}, {_timeval(got[2], got[3])}]"


def UTIMBUF(c: Call, i: int) -> str:
    """utime's struct utimbuf: ``{actime=10 /* ... */, modtime=20 /* ... */}``."""
    got = _read(c, c.args[i], "<qq")
    if got is None:
        return "NULL" if c.args[i] == 0 else ptr(c.args[i])
    a, m = got
    return f"{{actime={a}{date_comment(a)}, modtime={m}{date_comment(m)}}}"


# ---- mknod, memfd_create, fallocate, flock -------------------------------------------------


def _mode_names(mode: int) -> str:
    """``S_IFCHR|S_ISUID|0755``; '' when the type is no known one."""
    kind = FILE_TYPES.name(mode & S_IFMT) if mode & S_IFMT else None
    if kind is None:
        return ""
    setid = mode & 0o7000
    return "|".join([kind, *([MODE_SETID_BITS.flags(setid)] if setid else []), octal_mode(mode & 0o777)])


def mknod_mode_text(mode: int) -> str:
    """A file type and mode: ``S_IFCHR|S_ISUID|0755``; plain octal without a known type."""
    mode &= MODE_BITS
    number, names = octal_mode(mode), abbrev_text(_mode_names, mode)
    style = STYLE.get()
    if style == "abbrev":
        return names or number
    if style == "raw" or (not names and mode & S_IFMT):
        return number
    return f"{number} /* {names or number} */"  # strace: '0600 /* 0600 */'


def makedev_text(dev: int) -> str:
    """A device number as the kernel decodes a 32-bit one: ``makedev(0x1, 0x3)``."""
    dev &= 0xFFFFFFFF
    major, minor = dev >> 8 & 0xFFF, (dev & 0xFF) | (dev >> 12 & 0xFFF00)
    return styled(hexnum(dev), f"makedev({hexnum(major)}, {hexnum(minor)})")


def _mknod_pieces(c: Call, first: int) -> list[str]:
    """Path, mode, and the device only for character and block devices."""
    mode = c.args[first + 1]
    pieces = [PATH(c, first), mknod_mode_text(mode)]
    if mode & S_IFMT in (S_IFCHR, S_IFBLK):
        pieces.append(makedev_text(c.args[first + 2]))
    return pieces


def _memfd_names(value: int) -> str:
    huge = value >> MFD_HUGE_SHIFT & MFD_HUGE_MASK
    rest = value & ~(MFD_HUGE_MASK << MFD_HUGE_SHIFT)
    text = noted_flags_text(MFD_FLAGS, rest, "MFD_???")
    if not huge:
        return text
    return f"{text}|{huge}<<MFD_HUGE_SHIFT" if rest else f"{huge}<<MFD_HUGE_SHIFT"


def memfd_flags_text(value: int) -> str:
    """memfd_create's flags; a huge page size prints as ``21<<MFD_HUGE_SHIFT``."""
    value &= 0xFFFFFFFF
    if STYLE.get() == "verbose" and value:  # strace nests an unknown value's mark here
        return f"{hexnum(value)} /* {abbrev_text(_memfd_names, value)} */"
    return whole_value(value, _memfd_names)


def _MFD(c: Call, i: int) -> str:
    return memfd_flags_text(c.args[i])


# ---- file handles --------------------------------------------------------------------------


def _f_handle(c: Call, addr: int, size: int) -> str:
    """The opaque handle bytes in hex, at most MAX_HANDLE_SZ of them (whatever -s says)."""
    shown = min(size, MAX_HANDLE_SZ)
    data = c.mem.read(addr + 8, shown) if shown else b""
    if data is None or len(data) < shown:
        return ptr(addr + 8)
    return quote(data, truncated=size > MAX_HANDLE_SZ, force_hex=True)


def file_handle_text(c: Call, addr: int) -> str:
    """struct file_handle: ``{handle_bytes=8, handle_type=1, f_handle="\\x02..."}``."""
    got = _read(c, addr, "<Ii")
    if got is None:
        return "NULL" if addr == 0 else ptr(addr)
    size, kind = got
    return f"{{handle_bytes={size}, handle_type={kind}, f_handle={_f_handle(c, addr, size)}}}"


def _handle_enter(c: Call) -> list[str]:
    """The size the caller offers (``{handle_bytes=128``); the kernel's answer follows at exit."""
    addr = c.args[2]
    got = _read(c, addr, "<I")
    c.saved["handle_bytes"] = None if got is None else got[0]
    head = ("NULL" if addr == 0 else ptr(addr)) if got is None else f"{{handle_bytes={got[0]}"
    return [DIRFD(c, 0), PATH(c, 1), head]


def _handle_exit(c: Call) -> list[str]:
    """`` => 8, handle_type=1, f_handle=...}`` glued to the entry part, then mount id and flags."""
    before = c.saved.get("handle_bytes")
    text = ""
    if isinstance(before, int):
        addr = c.args[2]
        got = _read(c, addr, "<Ii")
        size = before if got is None else got[0]
        text = f" => {size}" if size != before else ""
        if got is not None and not failed(c):
            text += f", handle_type={got[1]}, f_handle={_f_handle(c, addr, size)}"
        text += "}"
    mount_id = ptr(c.args[3]) if failed(c) else int_at(c, c.args[3])
    return [text, mount_id, noted_flags_text(AT_HANDLE_FLAGS, c.args[4] & 0xFFFFFFFF, "AT_???")]


def _HANDLE(c: Call, i: int) -> str:
    return file_handle_text(c, c.args[i])


DECODERS: dict[str, Decoder] = {
    "sendfile": Decoder(_sendfile_enter, _sendfile_exit, has_exit=_sendfile_updates, joint="glue"),
    "copy_file_range": sig(FD, LOFF, FD, LOFF, ULONG, UINT),
    "splice": sig(FD, LOFF, FD, LOFF, ULONG, _SPLICE),
    "tee": sig(FD, FD, ULONG, _SPLICE),
    "vmsplice": sig(FD, IOV_IN, ULONG, _SPLICE),
    "fallocate": sig(FD, noted_flags(FALLOC_FLAGS, "FALLOC_FL_???"), LONG, LONG),
    "flock": sig(FD, noted_flags(FLOCK_OPS, "LOCK_???")),
    "fchownat": sig(DIRFD, PATH, ID, ID, _AT),
    "utimensat": sig(DIRFD, PATH, UTIMENS, _AT),
    "utimes": sig(PATH, TIMEVALS),
    "futimesat": sig(DIRFD, PATH, TIMEVALS),
    "utime": sig(PATH, UTIMBUF),
    "linkat": sig(DIRFD, PATH, DIRFD, PATH, _AT),
    "mknod": Decoder(lambda c: _mknod_pieces(c, 0)),
    "mknodat": Decoder(lambda c: [DIRFD(c, 0), *_mknod_pieces(c, 1)]),
    "sync_file_range": sig(FD, LONG, LONG, noted_flags(SYNC_FILE_RANGE_FLAGS, "SYNC_FILE_RANGE_???")),
    "syncfs": sig(FD),
    "readahead": sig(FD, LONG, ULONG),
    "memfd_create": sig(STR, _MFD, ret=ret_fd),
    "name_to_handle_at": Decoder(_handle_enter, _handle_exit, joint="glue"),
    "removexattr": sig(PATH, XATTR_NAME),
    "lremovexattr": sig(PATH, XATTR_NAME),
    "fremovexattr": sig(FD, XATTR_NAME),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The decoders whose flag values depend on the architecture's ABI."""
    return {
        "openat2": sig(DIRFD, PATH, _open_how(abi), ULONG, ret=ret_fd),
        # strace shows no path for its fd under -y
        "open_by_handle_at": sig(FD, _HANDLE, open_flags_arg(abi)),
    }
