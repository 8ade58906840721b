"""Helpers shared by the decoder families: C structs in tracee memory, signals, sigsets, times."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from ..base import Call
from ..format import ptr, s32
from ..xlat import styled
from ..xlat.signal_table import SIGNALS

SIGRTMIN = 32  # the kernel's; glibc reserves 32 and 33 for itself
NSIG = 64


def read_struct(c: Call, addr: int, fmt: str) -> tuple[int, ...] | None:
    """The C struct at ``addr`` unpacked with ``struct`` format ``fmt`` (little-endian), or None."""
    if addr == 0:
        return None
    size = struct.calcsize(fmt)
    data = c.mem.read(addr, size)
    if data is None or len(data) < size:
        return None
    return struct.unpack(fmt, data)


def signal_name(signo: int) -> str:
    """A signal number as strace names it: ``SIGCHLD``, ``SIGRTMIN``, ``SIGRT_1``; else the number."""
    return styled(str(signo), _signal_abbrev(signo))


def _signal_abbrev(signo: int) -> str:
    name = SIGNALS.get(signo)
    if name is not None:
        return name
    if signo == SIGRTMIN:
        return "SIGRTMIN"
    if SIGRTMIN < signo <= NSIG:
        return f"SIGRT_{signo - SIGRTMIN}"
    return str(signo)


def sigset_bits_text(mask: int, nsig: int = NSIG) -> str:
    """A signal mask as strace prints it: ``[INT CHLD]``, or ``~[KILL]`` when most bits are set."""
    nsig = min(nsig, NSIG)
    full = (1 << nsig) - 1
    mask &= full
    inverted = bin(mask).count("1") * 2 > nsig
    if inverted:
        mask = ~mask & full
    bits = [i + 1 for i in range(nsig) if mask >> i & 1]
    names = [styled(str(n), _signal_abbrev(n).removeprefix("SIG")) for n in bits]
    text = "[" + " ".join(names) + "]"
    return "~" + text if inverted else text


def sigset_at(c: Call, addr: int, size: int) -> str:
    """The sigset_t of ``size`` bytes at ``addr``: ``NULL``, the pointer when unreadable, or bits."""
    if addr == 0:
        return "NULL"
    if not c.opts.verbose:  # -e verbose=none (an empty set would otherwise pass as '[]')
        return ptr(addr)
    if size <= 0 or size > 128 or size % 4:
        return ptr(addr)
    data = c.mem.read(addr, min(size, 8))
    if data is None or len(data) < min(size, 8):
        return ptr(addr)
    return sigset_bits_text(int.from_bytes(data, "little"), len(data) * 8)


def struct_at(c: Call, addr: int, fmt: str, render: Callable[[tuple[int, ...]], str]) -> str:
    """A struct at ``addr``: ``NULL`` for 0, the pointer if unreadable, else ``render(fields)``."""
    if addr == 0:
        return "NULL"
    got = read_struct(c, addr, fmt)
    return ptr(addr) if got is None else render(got)


def timespec_at(c: Call, addr: int) -> str:
    """A struct timespec: ``{tv_sec=0, tv_nsec=20000000}``."""
    return struct_at(c, addr, "<qq", lambda t: f"{{tv_sec={t[0]}, tv_nsec={t[1]}}}")


def timeval_at(c: Call, addr: int) -> str:
    """A struct timeval: ``{tv_sec=1, tv_usec=2}``."""
    return struct_at(c, addr, "<qq", lambda t: f"{{tv_sec={t[0]}, tv_usec={t[1]}}}")


def int_at(c: Call, addr: int) -> str:
    """An ``int`` the kernel wrote back: ``[42]``, the pointer when unreadable."""
    return struct_at(c, addr, "<i", lambda t: f"[{t[0]}]")


def failed(c: Call) -> bool:
    """At exit: the call failed, so the kernel filled nothing in (strace then prints pointers)."""
    return bool(c.error) or c.retval < 0


def TIMESPEC(c: Call, i: int) -> str:
    return timespec_at(c, c.args[i])


def TIMEVAL(c: Call, i: int) -> str:
    return timeval_at(c, c.args[i])


def OUT_TIMESPEC(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else timespec_at(c, c.args[i])


def OUT_TIMEVAL(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else timeval_at(c, c.args[i])


def OUT_INT(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else int_at(c, c.args[i])


def SIGNO(c: Call, i: int) -> str:
    """A signal number argument; 0 and unknown numbers print as numbers."""
    n = s32(c.args[i])
    return signal_name(n) if n > 0 else str(n)


def shown(c: Call, total: int) -> int:
    """How many elements of an array strace prints: at most -s of them, all of them under -v."""
    return total if not c.opts.abbrev else min(total, c.opts.string_limit)


def array_text(items: list[str], total: int) -> str:
    """``[a, b, ...]``: the elements shown, ``...`` for the ``total - len(items)`` left out."""
    if not items:
        return "[...]" if total else "[]"
    return "[" + ", ".join(items) + (", ..." if total > len(items) else "") + "]"


def date_comment(sec: int, frac: int = 0, digits: int = 9) -> str:
    """`` /* 1970-01-01T00:00:01.000000002+0000 */`` in local time; '' for 0 or a time out of range."""
    if sec == 0:
        return ""
    try:
        tm = time.localtime(sec)
    except (OverflowError, OSError, ValueError):
        return ""
    fraction = f".{frac:0{digits}d}" if frac else ""
    return f" /* {time.strftime('%Y-%m-%dT%H:%M:%S', tm)}{fraction}{time.strftime('%z', tm)} */"
