"""Decoders for descriptor plumbing: fcntl, dup, pipe, poll, close_range."""

from __future__ import annotations

from ...arch.abi import Abi
from ..base import FD, INT, UINT, Call, Decoder, fd_text, flags, hexnum, noted_flags, out, ret_fd, sig
from ..format import ptr, s32
from ..xlat import Xlat, xlat_style
from ..xlat.fs import CLOSE_RANGE_FLAGS, FCNTL_CMDS, FD_FLAGS, LOCK_TYPES, SEALS, SEEK_WHENCE, open_flags
from ..xlat.net import POLL_EVENTS
from .common import SIGNO, array_text, failed, read_struct, shown
from .file import open_flags_text

F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL = 0, 1, 2, 3, 4
F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG = 8, 9, 10, 11
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETLEASE, F_GETLEASE, F_DUPFD_CLOEXEC = 1024, 1025, 1030
F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS = 1031, 1032, 1033, 1034

_NO_ARG = {F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS}
_GET_LOCKS = {F_GETLK, F_OFD_GETLK}
_SET_LOCKS = {F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW}


def _flock(c: Call, addr: int, with_pid: bool) -> str:
    got = read_struct(c, addr, "<hhxxxxqqi")
    if got is None:
        return ptr(addr)
    ltype, whence, start, length, pid = got
    text = (f"{{l_type={LOCK_TYPES.value(ltype)}, l_whence={SEEK_WHENCE.value(whence)}, "
            f"l_start={start}, l_len={length}")
    return text + (f", l_pid={pid}}}" if with_pid else "}")


def _fcntl_arg(c: Call, cmd: int, abi: Abi) -> str:
    arg = c.args[2]
    if cmd == F_SETFD:
        return FD_FLAGS.flags(arg & 0xFFFFFFFF)
    if cmd == F_SETFL:
        return open_flags_text(arg & 0xFFFFFFFF, abi)
    if cmd in (F_SETSIG,):
        return SIGNO(c, 2)
    if cmd in (F_SETLEASE,):
        return LOCK_TYPES.value(arg & 0xFFFFFFFF)
    if cmd == F_ADD_SEALS:
        return SEALS.flags(arg & 0xFFFFFFFF)
    if cmd in _SET_LOCKS:
        return _flock(c, arg, False)
    return str(s32(arg))


def _fcntl_pieces(c: Call, abi: Abi) -> list[str]:
    cmd = c.args[1] & 0xFFFFFFFF
    pieces = [FD(c, 0), FCNTL_CMDS.value(cmd)]
    if cmd in _GET_LOCKS:
        return [*pieces, ptr(c.args[2]) if failed(c) else _flock(c, c.args[2], True)]
    if cmd in _NO_ARG:
        return pieces
    return [*pieces, _fcntl_arg(c, cmd, abi)]


def _fcntl_gets_lock(c: Call) -> bool:
    """F_GETLK and kin: the kernel fills the lock in, so it prints at exit."""
    return c.args[1] & 0xFFFFFFFF in _GET_LOCKS


def _fcntl(abi: Abi) -> Decoder:
    """fcntl: the argument's meaning follows the command; F_GETLK and kin print it at exit."""

    def enter(c: Call) -> list[str]:
        pieces = _fcntl_pieces(c, abi)
        return pieces[:-1] if _fcntl_gets_lock(c) else pieces

    def exit_(c: Call) -> list[str]:
        return _fcntl_pieces(c, abi)[-1:]

    return Decoder(enter, exit_, ret=lambda c: _fcntl_ret(c, abi), has_exit=_fcntl_gets_lock)


def _with_flags(c: Call, kind: str, table: Xlat) -> str:
    if c.retval == 0:
        return "0"
    return f"{hexnum(c.retval)} ({kind} {table.flags(c.retval)})"


def _getfl(c: Call, abi: Abi) -> str:
    """``0x8002 (flags O_RDWR|O_LARGEFILE)``: the names stay even under -X raw, as in strace."""
    v = c.retval
    with xlat_style("abbrev"):
        text = f"{Xlat.of((0, 'O_RDONLY'), (1, 'O_WRONLY'), (2, 'O_RDWR')).value(v & 3)}"
        if v & ~3:
            text += "|" + open_flags(abi).flags(v & ~3)
    return f"{hexnum(v)} (flags {text})"


def _fcntl_ret(c: Call, abi: Abi) -> str:
    cmd = c.args[1] & 0xFFFFFFFF
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        return ret_fd(c)
    if cmd == F_GETFD:
        return _with_flags(c, "flags", FD_FLAGS)
    if cmd == F_GETFL:
        return _getfl(c, abi)
    if cmd == F_GET_SEALS:
        return _with_flags(c, "seals", SEALS)
    if cmd == F_GETLEASE:
        return LOCK_TYPES.value(c.retval)
    return str(c.retval)


def FDPAIR(c: Call, i: int) -> str:
    """The two descriptors pipe() wrote: ``[3, 4]``."""
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<ii")
    if got is None:
        return ptr(c.args[i])
    return array_text([fd_text(c, fd) for fd in got[: shown(c, 2)]], 2)


def POLLFDS(c: Call, i: int) -> str:
    """The pollfd array at entry: ``[{fd=3, events=POLLIN}]``."""
    n = c.args[1] & 0xFFFFFFFF
    addr = c.args[i]
    items = []
    for k in range(shown(c, n)):
        got = read_struct(c, addr + 8 * k, "<ihh")
        if got is None:
            return ptr(addr)
        items.append(f"{{fd={fd_text(c, got[0])}, events={POLL_EVENTS.flags(got[1] & 0xFFFF)}}}")
    return array_text(items, n)


def _poll_ret(c: Call) -> str:
    """poll's count, then the descriptors that are ready: ``1 ([{fd=4, revents=POLLOUT}])``."""
    if c.retval == 0:
        return "0 (Timeout)"
    if not c.opts.verbose:  # -e verbose=none: the count alone
        return str(c.retval)
    n = c.args[1] & 0xFFFFFFFF
    ready = []
    for k in range(min(n, 1024)):
        got = read_struct(c, c.args[0] + 8 * k, "<ihh")
        if got is None:
            return str(c.retval)
        if got[2]:
            ready.append(f"{{fd={got[0]}, revents={POLL_EVENTS.flags(got[2] & 0xFFFF)}}}")
    return f"{c.retval} ({array_text(ready[: shown(c, len(ready))], len(ready))})"


DECODERS: dict[str, Decoder] = {
    "dup": sig(FD, ret=ret_fd),
    "dup2": sig(FD, FD, ret=ret_fd),
    "pipe": sig(out(FDPAIR)),
    "close_range": sig(UINT, UINT, noted_flags(CLOSE_RANGE_FLAGS, "CLOSE_RANGE_???")),
    "poll": sig(POLLFDS, UINT, INT, ret=_poll_ret),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The decoders whose flag values depend on the architecture's ABI (O_DIRECT moves)."""
    pipe_flags = flags(open_flags(abi), width=32)
    return {
        "fcntl": _fcntl(abi),
        "dup3": sig(FD, FD, pipe_flags, ret=ret_fd),
        "pipe2": sig(out(FDPAIR), pipe_flags),
    }
