"""Decoders for ioctl: terminal requests by name with their structs, others as strace's _IOC()."""

from __future__ import annotations

from ..base import FD, Call, Decoder, hexnum
from ..format import ptr, s32
from ..xlat.ioctl import (
    BAUDS,
    CC_FLAGS,
    CSIZE,
    IFLAGS,
    IOC_DIRS,
    LFLAGS,
    OFLAG_DELAYS,
    OFLAGS,
    REQUESTS,
    TCFLSH_ARGS,
)
from .common import failed, int_at, read_struct

# How each request's third argument prints: when (entry or exit) and as what.
_NONE, _INT_IN, _INT_OUT, _TERMIOS_IN, _TERMIOS_OUT, _WINSZ_IN, _WINSZ_OUT, _FLUSH = range(8)
_ARG_KIND = {
    0x5401: _TERMIOS_OUT,  # TCGETS
    0x5402: _TERMIOS_IN,  # TCSETS
    0x5403: _TERMIOS_IN,  # TCSETSW
    0x5404: _TERMIOS_IN,  # TCSETSF
    0x540B: _FLUSH,  # TCFLSH
    0x540C: _NONE,  # TIOCEXCL
    0x540D: _NONE,  # TIOCNXCL
    0x540F: _INT_OUT,  # TIOCGPGRP
    0x5410: _INT_IN,  # TIOCSPGRP
    0x5411: _INT_OUT,  # TIOCOUTQ
    0x5413: _WINSZ_OUT,  # TIOCGWINSZ
    0x5414: _WINSZ_IN,  # TIOCSWINSZ
    0x5415: _INT_OUT,  # TIOCMGET
    0x541B: _INT_OUT,  # FIONREAD
    0x5421: _INT_IN,  # FIONBIO
    0x5422: _NONE,  # TIOCNOTTY
    0x5429: _INT_OUT,  # TIOCGSID
    0x5450: _NONE,  # FIONCLEX
    0x5451: _NONE,  # FIOCLEX
    0x5452: _INT_IN,  # FIOASYNC
    0x80045430: _INT_OUT,  # TIOCGPTN
    0x40045431: _INT_IN,  # TIOCSPTLCK
}


def ioc_text(req: int) -> str:
    """A request number as strace prints an unknown one: ``_IOC(_IOC_READ, 0x78, 0x7, 0x4)``."""
    direction = req >> 30 & 3
    size = req >> 16 & 0x3FFF
    dirs = IOC_DIRS.flags(direction, "_IOC_NONE")
    return f"_IOC({dirs}, {req >> 8 & 0xFF:#x}, {req & 0xFF:#x}, {hexnum(size)})"


def request_text(req: int) -> str:
    return REQUESTS.name(req) or ioc_text(req)


def termios_at(c: Call, addr: int) -> str:
    """struct termios, abbreviated as strace prints it."""
    got = read_struct(c, addr, "<IIII")
    if got is None:
        return ptr(addr)
    iflag, oflag, cflag, lflag = got
    delays = [t.value(oflag & mask) for mask, t in OFLAG_DELAYS]
    oflags = OFLAGS.flags(oflag & ~sum(m for m, _ in OFLAG_DELAYS), "")
    cparts = [BAUDS.value(cflag & 0o10017), CSIZE.value(cflag & 0o60)]
    crest = cflag & ~0o10077
    if crest:
        cparts.append(CC_FLAGS.flags(crest))
    o = "|".join(delays + ([oflags] if oflags else []))
    return (f"{{c_iflag={IFLAGS.flags(iflag)}, c_oflag={o}, c_cflag={'|'.join(cparts)}, "
            f"c_lflag={LFLAGS.flags(lflag)}, ...}}")


def winsize_at(c: Call, addr: int) -> str:
    got = read_struct(c, addr, "<HHHH")
    if got is None:
        return ptr(addr)
    return f"{{ws_row={got[0]}, ws_col={got[1]}, ws_xpixel={got[2]}, ws_ypixel={got[3]}}}"


def _arg_text(c: Call) -> str:
    req = c.args[1] & 0xFFFFFFFF
    kind = _ARG_KIND.get(req)
    addr = c.args[2]
    if kind in (_INT_OUT, _TERMIOS_OUT, _WINSZ_OUT) and failed(c):
        return ptr(addr)
    if kind in (_INT_IN, _INT_OUT):
        return int_at(c, addr)
    if kind in (_TERMIOS_IN, _TERMIOS_OUT):
        return termios_at(c, addr)
    if kind in (_WINSZ_IN, _WINSZ_OUT):
        return winsize_at(c, addr)
    if kind == _FLUSH:
        return TCFLSH_ARGS.value(s32(addr), "{}")
    return hexnum(addr)


def _takes_no_arg(c: Call) -> bool:
    return _ARG_KIND.get(c.args[1] & 0xFFFFFFFF) == _NONE


def _fills_arg(c: Call) -> bool:
    """The kernel writes the argument (TCGETS, TIOCGWINSZ...): it prints at exit."""
    return _ARG_KIND.get(c.args[1] & 0xFFFFFFFF) in (_INT_OUT, _TERMIOS_OUT, _WINSZ_OUT)


def _ioctl_enter(c: Call) -> list[str]:
    pieces = [FD(c, 0), request_text(c.args[1] & 0xFFFFFFFF)]
    if _takes_no_arg(c) or _fills_arg(c):
        return pieces
    return [*pieces, _arg_text(c)]


def _ioctl_exit(c: Call) -> list[str]:
    return [_arg_text(c)]


DECODERS: dict[str, Decoder] = {"ioctl": Decoder(_ioctl_enter, _ioctl_exit, has_exit=_fills_arg)}
