"""The decoder framework: a Call in, strace-formatted argument text out. Decoders are pure.

A decoder says which arguments print on entry and which on exit, nothing else. Most are
declared with ``sig(FD, PATH, out(STAT), ...)``; the few whose layout depends on another
argument (fcntl, ioctl, clone) are written as two small functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .format import ptr, quote, s32, s64
from .xlat import STYLE, Xlat, styled, xlat_style
from .xlat.errno_table import ERRNOS

PATH_MAX = 4096


class MemoryReader(Protocol):
    """Reads the tracee's memory; returns None (or fewer bytes) for what cannot be read.

    A reader may also offer ``read_spans(spans) -> list[bytes | None]``, many (address, size)
    reads in one call, and ``gather(spans)`` with ``read_gather(gathered) -> bytes | None``, the
    same spans read again and again, joined, all or nothing; the Python stack reader uses them
    when present.
    """

    def read(self, addr: int, size: int) -> bytes | None: ...

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        """Bytes at ``addr`` up to a NUL or ``limit`` bytes; the flag says a NUL was found."""
        ...


@dataclass(slots=True)
class DecodeOptions:
    """The options that change how arguments are rendered."""

    string_limit: int = 32  # -s
    fd_paths: int = 0  # -y (1), -yy (2)
    abbrev: bool = True  # False under -v / -e abbrev=none: print every struct member, all of argv/envp
    verbose: bool = True  # False under -e verbose=none: structs print as their pointer
    hex_strings: int = 0  # -x (1: non-ASCII strings in hex), -xx (2: every string in hex)


def _no_fd_path(fd: int) -> str | None:
    return None


@dataclass(slots=True)
class Call:
    """One syscall as a decoder sees it: raw arguments, and at exit the result."""

    name: str
    args: tuple[int, ...]
    mem: MemoryReader
    opts: DecodeOptions = field(default_factory=DecodeOptions)
    # what -y/-yy print after a descriptor's number: '</etc/passwd>', '<TCP:[...]>', or None
    fd_path: Callable[[int], str | None] = _no_fd_path
    tid: int = 0
    exiting: bool = False
    retval: int = 0  # the raw return value, signed
    error: int = 0  # errno when the call failed
    saved: dict[str, object] = field(default_factory=dict)  # entry-time values an exit needs
    sp: int = 0  # the stack pointer at entry, 0 if unknown (rt_sigreturn reads its frame there)


ArgFormatter = Callable[[Call, int], str]  # (call, argument index) -> text
Pieces = Callable[[Call], list[str]]


@dataclass(frozen=True, slots=True)
class Decoder:
    """How one syscall prints: arguments at entry, arguments at exit, the return value."""

    enter: Pieces
    exit: Pieces | None = None  # None: every argument is known at entry
    ret: Callable[[Call], str] | None = None  # None: a signed decimal (ret_int)
    never_returns: bool = False  # exit, exit_group: the line ends at entry with ' = ?'
    # Whether this call has arguments to print at exit (decided at entry); None: exit is set.
    has_exit: Callable[[Call], bool] | None = None
    # Where ', ' between the two parts goes, as strace prints an interrupted call:
    # 'entry' -> 'read(3, <unfinished ...>'; 'exit' -> '<... clone resumed>, child_tidptr=...)';
    # 'glue' -> the first exit piece continues the last entry piece ('{...} => {parent_tid=[7]}').
    joint: str = "entry"

    def exits(self, c: Call) -> bool:
        """Whether ``c`` prints arguments at exit."""
        return self.exit is not None and (self.has_exit is None or self.has_exit(c))


@dataclass(frozen=True, slots=True)
class _Out:
    fmt: ArgFormatter


def out(fmt: ArgFormatter) -> _Out:
    """Mark an argument as printed at exit (it is filled in by the kernel)."""
    return _Out(fmt)


def sig(*fmts: ArgFormatter | _Out, ret: Callable[[Call], str] | None = None) -> Decoder:
    """A decoder from one formatter per argument; everything from the first ``out()`` on prints at exit."""
    split = next((i for i, f in enumerate(fmts) if isinstance(f, _Out)), len(fmts))
    entry = tuple(fmts[:split])
    tail = tuple(f.fmt if isinstance(f, _Out) else f for f in fmts[split:])

    def enter(c: Call) -> list[str]:
        return [f(c, i) for i, f in enumerate(entry)]  # type: ignore[operator]

    def exit_(c: Call) -> list[str]:
        return [f(c, split + i) for i, f in enumerate(tail)]

    return Decoder(enter, exit_ if tail else None, ret)


def raw(nargs: int) -> Decoder:
    """A decoder that prints ``nargs`` arguments as strace prints undecoded ones (hex)."""
    return sig(*([HEX] * nargs))


# ---- argument formatters -------------------------------------------------------------------


def hexnum(v: int) -> str:
    """C's ``%#lx``: ``0`` for zero, else ``0x...``."""
    return f"{v:#x}" if v else "0"


def INT(c: Call, i: int) -> str:
    return str(s32(c.args[i]))


def UINT(c: Call, i: int) -> str:
    return str(c.args[i] & 0xFFFFFFFF)


def LONG(c: Call, i: int) -> str:
    return str(s64(c.args[i]))


def ULONG(c: Call, i: int) -> str:
    return str(c.args[i])


def HEX(c: Call, i: int) -> str:
    return hexnum(c.args[i])


def PTR(c: Call, i: int) -> str:
    return ptr(c.args[i])


def fd_text(c: Call, fd: int) -> str:
    """A descriptor, with its path (or socket endpoints) in angle brackets under -y/-yy."""
    if c.opts.fd_paths and fd >= 0:
        note = c.fd_path(fd)
        if note is not None:
            return f"{fd}{note}"
    return str(fd)


def FD(c: Call, i: int) -> str:
    return fd_text(c, s32(c.args[i]))


AT_FDCWD = -100


def DIRFD(c: Call, i: int) -> str:
    fd = s32(c.args[i])
    if fd == AT_FDCWD:
        # under -y strace shows the working directory; fd_path(AT_FDCWD) gives it, or None
        cwd = c.fd_path(fd) if c.opts.fd_paths else None
        name = styled(str(fd), "AT_FDCWD")
        return name if cwd is None else f"{name}{cwd}"
    return fd_text(c, fd)


def cstring(c: Call, addr: int, limit: int) -> str:
    """A NUL-terminated string at ``addr``: quoted, ``...`` when cut at ``limit``."""
    if addr == 0:
        return "NULL"
    got = c.mem.read_cstr(addr, limit)
    if got is None:
        return ptr(addr)
    data, terminated = got
    return quote(data, truncated=not terminated, hex_strings=c.opts.hex_strings)


def PATH(c: Call, i: int) -> str:
    return cstring(c, c.args[i], PATH_MAX)


def STR(c: Call, i: int) -> str:
    return cstring(c, c.args[i], c.opts.string_limit)


def buffer(c: Call, addr: int, size: int, force_hex: bool = False) -> str:
    """``size`` bytes at ``addr``, shown up to -s bytes, ``...`` when there were more."""
    if addr == 0 and size:
        return "NULL"
    limit = c.opts.string_limit
    shown = min(size, limit)
    # with -s 0 nothing is shown, but an unreadable buffer still prints as its pointer
    data = c.mem.read(addr, max(shown, 1 if size else 0))
    if data is None or len(data) < shown or (size and not data):
        return ptr(addr)
    data = data[:shown]
    return quote(data, truncated=size > limit, force_hex=force_hex, hex_strings=c.opts.hex_strings)


def inbuf(size_arg: int) -> ArgFormatter:
    """A buffer the caller filled (write): printed at entry, its size in argument ``size_arg``."""

    def fmt(c: Call, i: int) -> str:
        return buffer(c, c.args[i], c.args[size_arg])

    return fmt


def OUTBUF(c: Call, i: int) -> str:
    """A buffer the kernel filled (read): ``retval`` bytes, the pointer if the call failed."""
    if c.error or c.retval < 0:
        return ptr(c.args[i])
    return buffer(c, c.args[i], c.retval)


def flags(table: Xlat, zero: str = "0", width: int = 64) -> ArgFormatter:
    mask = (1 << width) - 1

    def fmt(c: Call, i: int) -> str:
        return table.flags(c.args[i] & mask, zero)

    return fmt


def composite(fmt: ArgFormatter, width: int = 32) -> ArgFormatter:
    """A formatter that joins several tables into one value (``O_RDONLY|O_CLOEXEC``): under
    -X raw it prints the whole number, under -X verbose the number then the names."""
    mask = (1 << width) - 1

    def styled_fmt(c: Call, i: int) -> str:
        if STYLE.get() == "abbrev":
            return fmt(c, i)
        with xlat_style("abbrev"):
            text = fmt(c, i)
        return styled(hexnum(c.args[i] & mask), text)

    return styled_fmt


def const(table: Xlat, width: int = 32, fallback: str = "{:#x}") -> ArgFormatter:
    """A value from ``table``; unknown values print with ``fallback`` (hex by default)."""
    mask = (1 << width) - 1

    def fmt(c: Call, i: int) -> str:
        return table.value(c.args[i] & mask, fallback)

    return fmt


_COUNTED = re.compile(r"0x[0-9a-f]+ /\* \d+ (?:vars|entries) \*/$")  # envp, getdents64's buffer


def pointers_only(c: Call, pieces: list[str], first: int) -> list[str]:
    """-e verbose=none: what points at a struct or an array prints as the pointer itself.

    ``pieces`` are the rendered arguments from index ``first`` on; strings stay as they are.
    """
    if c.name == "rt_sigreturn":  # its one "argument" is the signal frame, which strace still shows
        return pieces
    out = []
    for k, text in enumerate(pieces):
        i = first + k
        if text == "[]":  # an empty array says all there is (getgroups(64, []))
            pass
        elif text.startswith(" => "):  # what the kernel wrote back into a struct (clone3)
            text = ""
        elif i < len(c.args) and (text[:1] in ("{", "[") or text[:2] == "~[" or _COUNTED.match(text)):
            text = ptr(c.args[i])
        out.append(text)
    return out


def unknown_mark(value: int, unknown: str) -> str:
    """A value strace cannot name, marked ``0x40 /* X_??? */``; under -X raw only the number."""
    return hexnum(value) if STYLE.get() == "raw" else f"{hexnum(value)} /* {unknown} */"

def noted_value_text(table: Xlat, value: int, unknown: str) -> str:
    """``value``'s name from ``table``, or the number marked as unknown."""
    return table.value(value) if table.name(value) is not None else unknown_mark(value, unknown)

def noted_value(table: Xlat, unknown: str, width: int = 32) -> ArgFormatter:
    """A constant argument printed by ``noted_value_text``; ``unknown`` names the family (``MADV_???``)."""
    mask = (1 << width) - 1

    def fmt(c: Call, i: int) -> str:
        return noted_value_text(table, c.args[i] & mask, unknown)

    return fmt

def noted_flags_text(table: Xlat, value: int, unknown: str, zero: str = "0") -> str:
    """Flags as ``A|B|0x40``; a value with no known bit at all marked as unknown."""
    if value and not any(bit and value & bit == bit for bit, _ in table.entries):
        return unknown_mark(value, unknown)
    return table.flags(value, zero)

def noted_flags(table: Xlat, unknown: str, zero: str = "0", width: int = 32) -> ArgFormatter:
    """A flags argument printed by ``noted_flags_text``; ``unknown`` names the family (``MS_???``)."""
    mask = (1 << width) - 1

    def fmt(c: Call, i: int) -> str:
        return noted_flags_text(table, c.args[i] & mask, unknown, zero)

    return fmt


# ---- return values -------------------------------------------------------------------------


def error_text(err: int) -> str:
    """``-1 ENOENT (No such file or directory)``; restart codes print as strace does, with ``?``."""
    known = ERRNOS.get(err)
    if known is None:
        return f"-1 {err} (Unknown error {err})"
    name, msg = known
    if 512 <= err <= 530 and name.startswith("ERESTART"):
        return f"? {name} ({msg})"
    return f"-1 {name} ({msg})"


def ret_int(c: Call) -> str:
    return str(c.retval)


def ret_hex(c: Call) -> str:
    return hexnum(c.retval & 0xFFFFFFFFFFFFFFFF)


def ret_fd(c: Call) -> str:
    return fd_text(c, c.retval)


def ret_none(c: Call) -> str:
    return "?"


def ret_octal(c: Call) -> str:
    return f"0{c.retval:o}" if c.retval else "000"


def result_text(c: Call, decoder: Decoder) -> str:
    """What strace prints after `` = `` for a finished call."""
    if c.error:
        return error_text(c.error)
    return (decoder.ret or ret_int)(c)
