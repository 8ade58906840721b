"""Decoders for clocks, sleeps and futexes."""

from __future__ import annotations

from ..base import PTR, UINT, Call, Decoder, const, flags, hexnum, out, sig
from ..format import ptr, s32
from ..xlat.futex import FUTEX_BITSET, FUTEX_CLOCK_REALTIME, FUTEX_CMDS, FUTEX_PRIVATE_FLAG
from ..xlat.time import CLOCKS, TIMER_FLAGS
from .common import OUT_TIMESPEC, OUT_TIMEVAL, TIMESPEC, timespec_at

_CLOCK = const(CLOCKS, fallback="{}")


_EINTR, _ERESTART_RESTARTBLOCK = 4, 516


def _interrupted_rem(c: Call, i: int) -> str:
    """A sleep's remaining time: the kernel writes it only when a signal cut the sleep short."""
    if c.error in (_EINTR, _ERESTART_RESTARTBLOCK):
        return timespec_at(c, c.args[i])
    return ptr(c.args[i])


def futex_op_text(op: int) -> str:
    """A futex op: ``FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME``."""
    cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
    name = FUTEX_CMDS.name(cmd)
    if name is None:
        return hexnum(op)
    if op & FUTEX_PRIVATE_FLAG:
        name += "_PRIVATE"
    if op & FUTEX_CLOCK_REALTIME:
        name += "|FUTEX_CLOCK_REALTIME"
    return name


# Which arguments each futex command uses after (uaddr, op), as strace prints them.
_VAL, _TIMEOUT, _VAL2, _UADDR2, _VAL3, _BITSET = range(6)
_FUTEX_ARGS = {
    0: (_VAL, _TIMEOUT),  # WAIT
    1: (_VAL,),  # WAKE
    2: (_VAL,),  # FD
    3: (_VAL, _VAL2, _UADDR2),  # REQUEUE
    4: (_VAL, _VAL2, _UADDR2, _VAL3),  # CMP_REQUEUE
    5: (_VAL, _VAL2, _UADDR2, _VAL3),  # WAKE_OP
    6: (_TIMEOUT,),  # LOCK_PI
    7: (),  # UNLOCK_PI
    8: (),  # TRYLOCK_PI
    9: (_VAL, _TIMEOUT, _BITSET),  # WAIT_BITSET
    10: (_VAL, _BITSET),  # WAKE_BITSET
    11: (_VAL, _TIMEOUT, _UADDR2),  # WAIT_REQUEUE_PI
    12: (_VAL, _VAL2, _UADDR2, _VAL3),  # CMP_REQUEUE_PI
    13: (_TIMEOUT,),  # LOCK_PI2
}


def _futex_enter(c: Call) -> list[str]:
    op = c.args[1] & 0xFFFFFFFF
    pieces = [PTR(c, 0), futex_op_text(op)]
    which = _FUTEX_ARGS.get(op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
    if which is None:
        return pieces + [hexnum(c.args[k]) for k in range(2, 6)]
    for w in which:
        if w == _VAL:
            pieces.append(str(s32(c.args[2])))
        elif w == _TIMEOUT:
            pieces.append(TIMESPEC(c, 3))
        elif w == _VAL2:
            pieces.append(str(s32(c.args[3])))
        elif w == _UADDR2:
            pieces.append(PTR(c, 4))
        elif w == _VAL3:
            pieces.append(hexnum(c.args[5] & 0xFFFFFFFF))
        else:
            pieces.append(FUTEX_BITSET.value(c.args[5] & 0xFFFFFFFF))
    return pieces


def _time_out(c: Call, i: int) -> str:
    return ptr(c.args[i]) if c.args[i] == 0 or c.error else f"[{c.retval}]"


DECODERS: dict[str, Decoder] = {
    "nanosleep": sig(TIMESPEC, out(_interrupted_rem)),
    "clock_nanosleep": sig(_CLOCK, flags(TIMER_FLAGS, width=32), TIMESPEC, out(_interrupted_rem)),
    "clock_gettime": sig(_CLOCK, out(OUT_TIMESPEC)),
    "clock_getres": sig(_CLOCK, out(OUT_TIMESPEC)),
    "clock_settime": sig(_CLOCK, TIMESPEC),
    "gettimeofday": sig(out(OUT_TIMEVAL), PTR),
    "time": sig(out(_time_out)),
    "alarm": sig(UINT),
    "futex": Decoder(_futex_enter),
    "sched_yield": sig(),
    "pause": sig(),
}
