"""Decoders for clocks, sleeps, interval and POSIX timers, clock adjustment, and futexes."""

from __future__ import annotations

from ..base import (
    INT,
    PTR,
    UINT,
    Call,
    Decoder,
    hexnum,
    noted_flags,
    noted_flags_text,
    noted_value,
    noted_value_text,
    out,
    sig,
)
from ..format import ptr, s32
from ..xlat import styled
from ..xlat.futex import FUTEX_BITSET, FUTEX_CLOCK_REALTIME, FUTEX_CMDS, FUTEX_PRIVATE_FLAG
from ..xlat.time import ADJ_MODES, CLOCK_STATES, CLOCKS, ITIMERS, SIGEV_NOTIFY, STA_FLAGS, TIMER_FLAGS
from .common import OUT_TIMESPEC, OUT_TIMEVAL, TIMESPEC, TIMEVAL, failed, signal_name, struct_at, timespec_at
from .events import ITIMERSPEC, OUT_ITIMERSPEC

_CLOCK = noted_value(CLOCKS, "CLOCK_???")  # CPU and fd clocks too: strace 6.1 names none
_TIMER_FLAGS = noted_flags(TIMER_FLAGS, "TIMER_???")
_ITIMER = noted_value(ITIMERS, "ITIMER_???")
SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID = 0, 2, 4


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
    return styled(hexnum(op), name)  # -X raw: the number; -X verbose: both


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


# ---- struct renderers ----------------------------------------------------------------------


def _timezone(t: tuple[int, ...]) -> str:
    return f"{{tz_minuteswest={t[0]}, tz_dsttime={t[1]}}}"


def TIMEZONE(c: Call, i: int) -> str:
    return struct_at(c, c.args[i], "<ii", _timezone)


def OUT_TIMEZONE(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else TIMEZONE(c, i)


def _itimerval(t: tuple[int, ...]) -> str:
    return (f"{{it_interval={{tv_sec={t[0]}, tv_usec={t[1]}}}, "
            f"it_value={{tv_sec={t[2]}, tv_usec={t[3]}}}}}")


def ITIMERVAL(c: Call, i: int) -> str:
    """A struct itimerval: ``{it_interval={tv_sec=0, tv_usec=0}, it_value={...}}``."""
    return struct_at(c, c.args[i], "<qqqq", _itimerval)


def OUT_ITIMERVAL(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else ITIMERVAL(c, i)


def OUT_TMS(c: Call, i: int) -> str:
    """times' struct tms, in clock ticks."""
    if failed(c):
        return ptr(c.args[i])
    return struct_at(c, c.args[i], "<qqqq", lambda t: (
        f"{{tms_utime={t[0]}, tms_stime={t[1]}, tms_cutime={t[2]}, tms_cstime={t[3]}}}"))


def _sigevent(t: tuple[int, ...]) -> str:
    """A struct sigevent: a zero value is left out; the signal is named only where one is sent."""
    value, signo, notify, first, second = t
    signal = signal_name(signo) if notify in (SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID) else str(signo)
    parts = [f"sigev_value={{sival_int={s32(value)}, sival_ptr={ptr(value)}}}"] if value else []
    parts += [f"sigev_signo={signal}",
              f"sigev_notify={noted_value_text(SIGEV_NOTIFY, notify & 0xFFFFFFFF, 'SIGEV_???')}"]
    if notify == SIGEV_THREAD_ID:
        parts.append(f"sigev_notify_thread_id={s32(first)}")
    elif notify == SIGEV_THREAD:
        parts += [f"sigev_notify_function={ptr(first)}", f"sigev_notify_attributes={ptr(second)}"]
    return "{" + ", ".join(parts) + "}"


def SIGEVENT(c: Call, i: int) -> str:
    """A struct sigevent (timer_create, mq_notify)."""
    return struct_at(c, c.args[i], "<QiiQQ", _sigevent)


def OUT_TIMER_ID(c: Call, i: int) -> str:
    """The id timer_create wrote back: ``[0]``."""
    return ptr(c.args[i]) if failed(c) else struct_at(c, c.args[i], "<i", lambda t: f"[{t[0]}]")


# struct timex on x86_64: modes, offset, freq, maxerror, esterror, status, constant, precision,
# tolerance, time (a timeval), tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai.
_TIMEX = "<I4xqqqqi4xqqqqqqqqi4xqqqqqi"
_TIMEX_FIELDS = ("modes", "offset", "freq", "maxerror", "esterror", "status", "constant", "precision",
                 "tolerance", "tv_sec", "tv_usec", "tick", "ppsfreq", "jitter", "shift", "stabil", "jitcnt",
                 "calcnt", "errcnt", "stbcnt", "tai")


def _timex(t: tuple[int, ...]) -> str:
    parts = [f"{n}={v}" for n, v in zip(_TIMEX_FIELDS, t, strict=True)]
    parts[0] = f"modes={noted_flags_text(ADJ_MODES, t[0], 'ADJ_???')}"
    parts[5] = f"status={noted_flags_text(STA_FLAGS, t[5] & 0xFFFFFFFF, 'STA_???')}"
    parts[9:11] = [f"time={{tv_sec={t[9]}, tv_usec={t[10]}}}"]
    return "{" + ", ".join(parts) + "}"


def OUT_TIMEX(c: Call, i: int) -> str:
    """The struct timex the kernel read and filled in; only its pointer when the call failed."""
    return ptr(c.args[i]) if failed(c) else struct_at(c, c.args[i], _TIMEX, _timex)


def _clock_state_ret(c: Call) -> str:
    """adjtimex's clock state: ``5 (TIME_ERROR)``."""
    name = CLOCK_STATES.name(c.retval)
    return f"{c.retval} ({name})" if name is not None else str(c.retval)


DECODERS: dict[str, Decoder] = {
    "nanosleep": sig(TIMESPEC, out(_interrupted_rem)),
    "clock_nanosleep": sig(_CLOCK, _TIMER_FLAGS, TIMESPEC, out(_interrupted_rem)),
    "clock_gettime": sig(_CLOCK, out(OUT_TIMESPEC)),
    "clock_getres": sig(_CLOCK, out(OUT_TIMESPEC)),
    "clock_settime": sig(_CLOCK, TIMESPEC),
    "gettimeofday": sig(out(OUT_TIMEVAL), OUT_TIMEZONE),
    "settimeofday": sig(TIMEVAL, TIMEZONE),
    "time": sig(out(_time_out)),
    "alarm": sig(UINT),
    "getitimer": sig(_ITIMER, out(OUT_ITIMERVAL)),
    "setitimer": sig(_ITIMER, ITIMERVAL, out(OUT_ITIMERVAL)),
    "times": sig(out(OUT_TMS)),
    "timer_create": sig(_CLOCK, SIGEVENT, out(OUT_TIMER_ID)),
    "timer_settime": sig(INT, _TIMER_FLAGS, ITIMERSPEC, out(OUT_ITIMERSPEC)),
    "timer_gettime": sig(INT, out(OUT_ITIMERSPEC)),
    "timer_getoverrun": sig(INT),
    "timer_delete": sig(INT),
    "clock_adjtime": sig(_CLOCK, out(OUT_TIMEX), ret=_clock_state_ret),
    "adjtimex": sig(out(OUT_TIMEX), ret=_clock_state_ret),
    "futex": Decoder(_futex_enter),
    "sched_yield": sig(),
    "pause": sig(),
}
