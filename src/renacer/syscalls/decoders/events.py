"""Decoders for waiting on events: poll, select, epoll, eventfd, timerfd, signalfd, inotify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...arch.abi import Abi, Layout
from ..base import (
    FD,
    INT,
    PATH,
    UINT,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    const,
    fd_text,
    flags,
    out,
    ret_fd,
    sig,
)
from ..format import ptr, s32
from ..xlat import Xlat
from ..xlat.events import (
    EPOLL_CREATE_FLAGS,
    EPOLL_CTL_OPS,
    EPOLL_EVENTS,
    EVENTFD_FLAGS,
    INOTIFY_INIT_FLAGS,
    INOTIFY_MASK,
    SIGNALFD_FLAGS,
    TIMERFD_FLAGS,
)
from ..xlat.time import CLOCKS
from .common import (
    TIMESPEC,
    TIMEVAL,
    array_text,
    failed,
    shown,
    sigset_at,
    struct_at,
    timespec_at,
    timeval_at,
)
from .fd import POLLFDS, _poll_ret
from .signal import sigset_arg

FD_SETSIZE_MAX = 1024 * 1024  # bits of an fd_set read at most, whatever nfds says
TimeAt = Callable[[Call, int], str]  # (call, address) -> a timespec or timeval


# ---- poll and select -----------------------------------------------------------------------


def _left(c: Call, i: int, at: TimeAt) -> str:
    """The time a wait had left, read back at exit: ``, left {tv_sec=0, tv_nsec=0}``; '' if none."""
    if not c.args[i]:
        return ""
    return f", left {at(c, c.args[i]) if c.opts.verbose else ptr(c.args[i])}"


def _POLLFDS(c: Call, i: int) -> str:
    """poll's array, ``NULL`` for a null pointer."""
    return POLLFDS(c, i) if c.args[i] else "NULL"


def _ppoll_ret(c: Call) -> str:
    """poll's result, then the timeout left: ``1 ([{fd=3, revents=POLLIN}], left {...})``."""
    if not c.opts.verbose and c.retval > 0:  # -e verbose=none: the count alone
        return str(c.retval)
    # strace names no paths in the result part, even under -y
    text = _poll_ret(replace(c, opts=replace(c.opts, fd_paths=0)))
    if c.retval == 0 or not text.endswith(")"):
        return text
    return text[:-1] + _left(c, 2, timespec_at) + ")"


def _fd_set_bits(c: Call, addr: int) -> list[int] | None:
    """The descriptors set in the fd_set at ``addr`` below nfds (argument 0), or None if unreadable."""
    nfds = min(s32(c.args[0]), FD_SETSIZE_MAX)
    size = (max(nfds, 0) + 63) // 64 * 8
    data = c.mem.read(addr, size) if size else b""
    if data is None or len(data) < size:
        return None
    bits = int.from_bytes(data, "little")
    return [fd for fd in range(max(nfds, 0)) if bits >> fd & 1]


def _fd_set_text(c: Call, fds: list[int], paths: bool = True) -> str:
    """``[3 4]``; with ``paths``, each descriptor as -y shows it (strace does so at entry only)."""
    return "[" + " ".join(fd_text(c, fd) if paths else str(fd) for fd in fds) + "]"


def FD_SET(c: Call, i: int) -> str:
    """An fd_set of argument 0 bits: ``[3 4]``; ``NULL``; the pointer when unreadable."""
    addr = c.args[i]
    if addr == 0:
        return "NULL"
    if not c.opts.verbose:
        return ptr(addr)
    fds = _fd_set_bits(c, addr) if s32(c.args[0]) >= 0 else None
    return ptr(addr) if fds is None else _fd_set_text(c, fds)


def _select_ret(left: TimeAt) -> Callable[[Call], str]:
    def ret(c: Call) -> str:
        """The ready descriptors by set, then the time left: ``1 (in [3], left {...})``."""
        if c.retval == 0:
            return "0 (Timeout)"
        parts = []
        for i, kind in ((1, "in"), (2, "out"), (3, "except")):
            fds = _fd_set_bits(c, c.args[i]) if c.args[i] else None
            if fds:
                parts.append(f"{kind} {_fd_set_text(c, fds, paths=False)}")
        text = ", ".join(parts) + _left(c, 4, left)
        return f"{c.retval} ({text.removeprefix(', ')})"

    return ret


def _pselect_sigmask(c: Call, i: int) -> str:
    """pselect6's last argument, a {sigset pointer, size} pair: ``{sigmask=[USR1], sigsetsize=8}``."""
    return struct_at(c, c.args[i], "<QQ",
                     lambda t: f"{{sigmask={sigset_at(c, t[0], t[1])}, sigsetsize={t[1]}}}")


# ---- epoll ---------------------------------------------------------------------------------

def _epoll_event(ev: dict[str, int]) -> str:
    data = ev["data"]
    return f"{{events={EPOLL_EVENTS.flags(ev['events'])}, data={{u32={data & 0xFFFFFFFF}, u64={data}}}}}"


def _epoll_events_at(c: Call, addr: int, count: int, layout: Layout) -> list[str] | None:
    """``count`` struct epoll_event in ``layout`` (packed on x86_64), or None if one is unreadable."""
    items = []
    for k in range(count):
        data = c.mem.read(addr + layout.size * k, layout.size)
        if data is None or len(data) < layout.size:
            return None
        items.append(_epoll_event(layout.unpack(data)))
    return items


def epoll_event_arg(abi: Abi) -> ArgFormatter:
    """epoll_ctl's event, in ``abi``'s layout."""

    def fmt(c: Call, i: int) -> str:
        addr = c.args[i]
        if addr == 0:
            return "NULL"
        got = _epoll_events_at(c, addr, 1, abi.epoll_event)
        return ptr(addr) if got is None else got[0]

    return fmt


def epoll_events_out(abi: Abi) -> ArgFormatter:
    """The events epoll_wait filled in, ``retval`` of them: ``[{events=EPOLLIN, data={...}}]``."""

    def fmt(c: Call, i: int) -> str:
        addr = c.args[i]
        if failed(c) or addr == 0:
            return ptr(addr)
        items = _epoll_events_at(c, addr, shown(c, c.retval), abi.epoll_event)
        return ptr(addr) if items is None else array_text(items, c.retval)

    return fmt


# ---- timerfd -------------------------------------------------------------------------------


def _itimerspec(t: tuple[int, ...]) -> str:
    return (f"{{it_interval={{tv_sec={t[0]}, tv_nsec={t[1]}}}, "
            f"it_value={{tv_sec={t[2]}, tv_nsec={t[3]}}}}}")


def ITIMERSPEC(c: Call, i: int) -> str:
    """A struct itimerspec: ``{it_interval={tv_sec=0, tv_nsec=0}, it_value={...}}``."""
    return struct_at(c, c.args[i], "<qqqq", _itimerspec)


def OUT_ITIMERSPEC(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else ITIMERSPEC(c, i)


_CLOCK = const(CLOCKS, fallback="{:#x} /* CLOCK_??? */")


def _flags32(table: Xlat) -> ArgFormatter:
    return flags(table, width=32)


DECODERS: dict[str, Decoder] = {
    "ppoll": sig(_POLLFDS, UINT, TIMESPEC, sigset_arg(4), ULONG, ret=_ppoll_ret),
    "select": sig(INT, FD_SET, FD_SET, FD_SET, TIMEVAL, ret=_select_ret(timeval_at)),
    "pselect6": sig(INT, FD_SET, FD_SET, FD_SET, TIMESPEC, _pselect_sigmask, ret=_select_ret(timespec_at)),
    "epoll_create": sig(INT, ret=ret_fd),
    "epoll_create1": sig(_flags32(EPOLL_CREATE_FLAGS), ret=ret_fd),
    "eventfd": sig(UINT, ret=ret_fd),
    "eventfd2": sig(UINT, _flags32(EVENTFD_FLAGS), ret=ret_fd),
    "timerfd_create": sig(_CLOCK, _flags32(TIMERFD_FLAGS), ret=ret_fd),
    "timerfd_settime": sig(FD, _flags32(TIMERFD_FLAGS), ITIMERSPEC, out(OUT_ITIMERSPEC)),
    "timerfd_gettime": sig(FD, out(OUT_ITIMERSPEC)),
    "signalfd": sig(FD, sigset_arg(2), ULONG, ret=ret_fd),
    "signalfd4": sig(FD, sigset_arg(2), ULONG, _flags32(SIGNALFD_FLAGS), ret=ret_fd),
    "inotify_init": sig(ret=ret_fd),
    "inotify_init1": sig(_flags32(INOTIFY_INIT_FLAGS), ret=ret_fd),
    "inotify_add_watch": sig(FD, PATH, _flags32(INOTIFY_MASK)),
    "inotify_rm_watch": sig(FD, INT),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The epoll calls, whose struct epoll_event is packed on x86_64 only."""
    event, events = epoll_event_arg(abi), out(epoll_events_out(abi))
    return {
        "epoll_ctl": sig(FD, const(EPOLL_CTL_OPS, fallback="{:#x} /* EPOLL_CTL_??? */"), FD, event),
        "epoll_wait": sig(FD, events, INT, INT),
        "epoll_pwait": sig(FD, events, INT, INT, sigset_arg(5), ULONG),
        "epoll_pwait2": sig(FD, events, INT, TIMESPEC, sigset_arg(5), ULONG),
    }
