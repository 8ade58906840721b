"""Decoders for ioctl: terminal requests by name with their structs, others as strace's _IOC()."""

from __future__ import annotations

from ..base import FD, Call, Decoder, hexnum, noted_value_text
from ..format import ptr, s32
from ..xlat import Xlat, styled
from ..xlat.ioctl import (
    BAUDS,
    CBAUD,
    CC_FLAGS,
    CC_NAMES,
    CSIZE,
    CSIZE_MASK,
    IBSHIFT,
    IFLAGS,
    IOC_DIRS,
    LFLAGS,
    LINE_DISCIPLINES,
    NCCS,
    OFLAG_DELAYS,
    OFLAGS,
    REQUESTS,
    TCFLSH_ARGS,
    TCXONC_ARGS,
)
from .common import failed, int_at, read_struct

# How each request's third argument prints: when (entry or exit) and as what.
_NONE, _INT_IN, _INT_OUT, _TERMIOS_IN, _TERMIOS_OUT, _WINSZ_IN, _WINSZ_OUT, _FLUSH, _XONC, _DEC = range(10)
_ARG_KIND = {
    0x5401: _TERMIOS_OUT,  # TCGETS
    0x5402: _TERMIOS_IN,  # TCSETS
    0x5403: _TERMIOS_IN,  # TCSETSW
    0x5404: _TERMIOS_IN,  # TCSETSF
    0x5409: _DEC,  # TCSBRK
    0x40049409: _DEC,  # FICLONE: the source descriptor (cp tries it first)
    0x540A: _XONC,  # TCXONC
    0x540B: _FLUSH,  # TCFLSH
    0x540C: _NONE,  # TIOCEXCL
    0x540D: _NONE,  # TIOCNXCL
    0x540E: _DEC,  # TIOCSCTTY
    0x540F: _INT_OUT,  # TIOCGPGRP
    0x5410: _INT_IN,  # TIOCSPGRP
    0x5411: _INT_OUT,  # TIOCOUTQ
    0x5413: _WINSZ_OUT,  # TIOCGWINSZ
    0x5414: _WINSZ_IN,  # TIOCSWINSZ
    0x5415: _INT_OUT,  # TIOCMGET
    0x541B: _INT_OUT,  # FIONREAD
    0x5421: _INT_IN,  # FIONBIO
    0x5422: _NONE,  # TIOCNOTTY
    0x5425: _DEC,  # TCSBRKP
    0x5429: _INT_OUT,  # TIOCGSID
    0x5450: _NONE,  # FIONCLEX
    0x5451: _NONE,  # FIOCLEX
    0x5452: _INT_IN,  # FIOASYNC
    0x80045430: _INT_OUT,  # TIOCGPTN
    0x40045431: _INT_IN,  # TIOCSPTLCK
}
# TCFLSH and TCXONC take a named value; strace marks an unknown one, in full 64-bit hex.
_NAMED_ARGS = {_FLUSH: TCFLSH_ARGS, _XONC: TCXONC_ARGS}
_TERMIOS = "<IIIIB19B"  # c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[NCCS]


def ioc_text(req: int) -> str:
    """A request number as strace prints an unknown one: ``_IOC(_IOC_READ, 0x78, 0x7, 0x4)``."""
    direction = req >> 30 & 3
    size = req >> 16 & 0x3FFF
    dirs = IOC_DIRS.flags(direction, "_IOC_NONE")
    return f"_IOC({dirs}, {req >> 8 & 0xFF:#x}, {req & 0xFF:#x}, {hexnum(size)})"


def request_text(req: int) -> str:
    """A request by name (or as _IOC()); under -X raw its number, under -X verbose both."""
    return styled(hexnum(req), REQUESTS.name(req) or ioc_text(req))


def _flags(table: Xlat, value: int) -> str:
    """A termios flag field: empty when no bit is set, in every -X style."""
    return table.flags(value) if value else ""


def oflag_text(oflag: int) -> str:
    """c_oflag: every delay field by name, then the flags (``NL0|CR0|TAB0|BS0|VT0|FF0|OPOST``)."""
    delays = [table.value(oflag & mask) for mask, table in OFLAG_DELAYS]
    rest = oflag & ~sum(mask for mask, _ in OFLAG_DELAYS)
    return "|".join([*delays, _flags(OFLAGS, rest)])


def cflag_text(cflag: int) -> str:
    """c_cflag: speed, input speed if set apart, character size, then the flags (``B38400|CS8|CREAD``)."""
    parts = [BAUDS.value(cflag & CBAUD)]
    ispeed = cflag >> IBSHIFT & CBAUD
    if ispeed:
        parts.append(f"{BAUDS.value(ispeed)}<<IBSHIFT")
    parts.append(CSIZE.value(cflag & CSIZE_MASK))
    parts.append(_flags(CC_FLAGS, cflag & ~(CBAUD | CBAUD << IBSHIFT | CSIZE_MASK)))
    return "|".join(parts)


def cc_text(cc: tuple[int, ...]) -> str:
    """c_cc: ``[[VINTR]=0x3, [VQUIT]=0x1c, ..., [17]=0, [18]=0]``."""
    names = [*CC_NAMES, *map(str, range(len(CC_NAMES), NCCS))]
    return "[" + ", ".join(f"[{n}]={hexnum(v)}" for n, v in zip(names, cc, strict=False)) + "]"


def termios_text(fields: tuple[int, ...], abbrev: bool = True) -> str:
    """struct termios; abbreviated (``, ...}``) unless -v, which adds c_line and c_cc."""
    iflag, oflag, cflag, lflag, line, *cc = fields
    text = (f"{{c_iflag={_flags(IFLAGS, iflag)}, c_oflag={oflag_text(oflag)}, "
            f"c_cflag={cflag_text(cflag)}, c_lflag={_flags(LFLAGS, lflag)}")
    if abbrev:
        return text + ", ...}"
    return f"{text}, c_line={noted_value_text(LINE_DISCIPLINES, line, 'N_???')}, c_cc={cc_text(tuple(cc))}}}"


def termios_at(c: Call, addr: int) -> str:
    """The struct termios at ``addr``; the pointer when unreadable or under -e verbose=none."""
    got = read_struct(c, addr, _TERMIOS) if c.opts.verbose else None
    if got is None:
        return "NULL" if addr == 0 else ptr(addr)
    return termios_text(got, c.opts.abbrev)


def winsize_at(c: Call, addr: int) -> str:
    """struct winsize: ``{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}``."""
    got = read_struct(c, addr, "<HHHH") if c.opts.verbose else None
    if got is None:
        return "NULL" if addr == 0 else ptr(addr)
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
    if kind in _NAMED_ARGS:
        return noted_value_text(_NAMED_ARGS[kind], addr, "TC???")
    if kind == _DEC:
        return str(s32(addr))
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
