"""Decoders for POSIX message queues: mq_open, mq_timedsend/receive, mq_notify, mq_getsetattr."""

from __future__ import annotations

from ...arch.abi import Abi
from ..base import (
    FD,
    OUTBUF,
    PATH,
    UINT,
    ULONG,
    Call,
    Decoder,
    inbuf,
    noted_flags_text,
    out,
    ret_fd,
    sig,
)
from ..format import ptr
from ..xlat.ipc import MQ_FLAGS
from .arrays import octal
from .common import TIMESPEC, failed, struct_at
from .file import open_flags_text
from .time import SIGEVENT

O_CREAT = 0o100
_MQ_ATTR = "<qqqq32x"  # struct mq_attr: flags, maxmsg, msgsize, curmsgs, 4 reserved longs


def _mq_attr(flags_text: str, t: tuple[int, ...]) -> str:
    return f"{{mq_flags={flags_text}, mq_maxmsg={t[1]}, mq_msgsize={t[2]}, mq_curmsgs={t[3]}}}"


def mq_attr_at(c: Call, addr: int, named_flags: bool) -> str:
    """A struct mq_attr; mq_getsetattr names mq_flags (O_NONBLOCK), mq_open prints them in hex."""
    def render(t: tuple[int, ...]) -> str:
        v = t[0] & 0xFFFFFFFFFFFFFFFF
        text = noted_flags_text(MQ_FLAGS, v, "O_???") if named_flags else (f"{v:#x}" if v else "0")
        return _mq_attr(text, t)

    return struct_at(c, addr, _MQ_ATTR, render)


def _mq_open(abi: Abi) -> Decoder:
    """Name and flags; the mode and attributes only when the flags create a queue."""

    def enter(c: Call) -> list[str]:
        pieces = [PATH(c, 0), open_flags_text(c.args[1] & 0xFFFFFFFF, abi)]
        if c.args[1] & O_CREAT:
            pieces += [octal(c.args[2] & 0xFFFFFFFF), mq_attr_at(c, c.args[3], named_flags=False)]
        return pieces

    return Decoder(enter, ret=ret_fd)


def _prio(c: Call, i: int) -> str:
    """mq_timedreceive's priority, written back: ``[3]``."""
    if failed(c):
        return ptr(c.args[i])
    return struct_at(c, c.args[i], "<I", lambda t: f"[{t[0]}]")


def _old_attr(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else mq_attr_at(c, c.args[i], named_flags=True)


DECODERS: dict[str, Decoder] = {
    "mq_unlink": sig(PATH),
    "mq_timedsend": sig(FD, inbuf(2), ULONG, UINT, TIMESPEC),
    "mq_timedreceive": sig(FD, out(OUTBUF), out(ULONG), out(_prio), out(TIMESPEC)),
    "mq_notify": sig(FD, SIGEVENT),
    "mq_getsetattr": sig(FD, lambda c, i: mq_attr_at(c, c.args[i], named_flags=True), out(_old_attr)),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """The decoders whose flag values depend on the architecture's ABI."""
    return {"mq_open": _mq_open(abi)}
