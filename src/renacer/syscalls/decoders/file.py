"""Decoders for files and descriptors: open, read, write, stat, directories."""

from __future__ import annotations

from ..base import DIRFD, FD, OUTBUF, PATH, Call, Decoder, ULONG, inbuf, out, ret_fd, sig
from ..format import octal_mode
from ..xlat.fs import OPEN_ACCESS, OPEN_FLAGS

O_CREAT = 0o100
O_TMPFILE = 0o20200000


def open_flags(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    text = OPEN_ACCESS.value(v & 3)
    rest = v & ~3
    return f"{text}|{OPEN_FLAGS.flags(rest)}" if rest else text


def _open_pieces(c: Call, first: int) -> list[str]:
    """Path, flags, and the mode only when the flags create a file (as strace prints)."""
    pieces = [PATH(c, first), open_flags(c, first + 1)]
    fl = c.args[first + 1]
    if fl & O_CREAT or (fl & O_TMPFILE) == O_TMPFILE:
        pieces.append(octal_mode(c.args[first + 2] & 0o7777))
    return pieces


DECODERS: dict[str, Decoder] = {
    "read": sig(FD, out(OUTBUF), ULONG),
    "write": sig(FD, inbuf(2), ULONG),
    "close": sig(FD),
    "open": Decoder(lambda c: _open_pieces(c, 0), ret=ret_fd),
    "openat": Decoder(lambda c: [DIRFD(c, 0), *_open_pieces(c, 1)], ret=ret_fd),
}
