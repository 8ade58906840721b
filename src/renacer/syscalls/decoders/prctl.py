"""prctl: what each option's arguments mean, as data (one layout per option), printed strace's way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..base import (
    HEX,
    PTR,
    STR,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    const,
    flags,
    hexnum,
    noted_flags_text,
    noted_value,
    noted_value_text,
    ret_int,
)
from ..format import ptr, quote, s32
from ..xlat import STYLE, Xlat, styled, xlat_style
from ..xlat.task import (
    CAPS,
    PR_CAP_AMBIENT_OPS,
    PR_MCE_KILL_POLICY,
    PR_OPTIONS,
    PR_SET_MM_OPS,
    PR_SET_PTRACER_ANY,
    PR_SET_VMA_OPS,
    PR_SPEC_STATE,
    PR_SPEC_WHICH,
    PR_TSC,
    SECCOMP_MODES,
    SECUREBITS,
    SUID_DUMP,
)
from .common import SIGNO, failed, signal_name, struct_at

TASK_COMM_LEN = 16
Ret = Callable[[Call], str]


@dataclass(frozen=True, slots=True)
class Layout:
    """How one prctl option prints: the arguments after it at entry, then at exit, the result."""

    enter: tuple[ArgFormatter, ...] = ()
    exit: tuple[ArgFormatter, ...] = ()
    ret: Ret = ret_int


def _out(fmt: ArgFormatter) -> ArgFormatter:
    """An argument the kernel wrote through: the pointer if the call failed."""
    return lambda c, i: ptr(c.args[i]) if failed(c) else fmt(c, i)


def _int_at(show: Callable[[int], str]) -> ArgFormatter:
    return _out(lambda c, i: struct_at(c, c.args[i], "<i", lambda t: f"[{show(t[0])}]"))


def _new_name(c: Call, i: int) -> str:
    """PR_SET_NAME's name: the kernel keeps 15 bytes, so 15 or more print cut, with ``...``."""
    addr = c.args[i]
    got = c.mem.read_cstr(addr, TASK_COMM_LEN - 1) if addr else None
    if got is None:
        return ptr(addr)
    data, ended = got
    length = len(data) if ended else TASK_COMM_LEN
    shown = min(c.opts.string_limit, TASK_COMM_LEN - 1)
    return quote(data[:shown], truncated=length >= TASK_COMM_LEN - 1 or length > shown)


def _name(c: Call, i: int) -> str:
    addr = c.args[i]
    got = c.mem.read_cstr(addr, min(c.opts.string_limit, TASK_COMM_LEN)) if addr else None
    return ptr(addr) if got is None else quote(got[0], truncated=not got[1])


def _unknown(table: Xlat, name: str) -> ArgFormatter:
    return noted_value(table, name, width=64)


def _flags(table: Xlat, unknown: str) -> ArgFormatter:
    return lambda c, i: noted_flags_text(table, c.args[i], unknown)


def _ptracer(c: Call, i: int) -> str:
    return styled("-1", "PR_SET_PTRACER_ANY") if c.args[i] == PR_SET_PTRACER_ANY else str(s32(c.args[i]))


def _fprog(c: Call, i: int) -> str:
    """A struct sock_fprog: ``{len=1, filter=0x...}``."""
    return struct_at(c, c.args[i], "<H6xQ", lambda t: f"{{len={t[0]}, filter={ptr(t[1])}}}")


def _address_at(c: Call, i: int) -> str:
    return struct_at(c, c.args[i], "<Q", lambda t: f"[{ptr(t[0])}]")


def _ret_named(table: Xlat) -> Ret:
    def ret(c: Call) -> str:
        name = table.name(c.retval)
        return f"{c.retval} ({name})" if name is not None else str(c.retval)

    return ret


def _ret_flags(table: Xlat) -> Ret:
    def ret(c: Call) -> str:
        if not c.retval or STYLE.get() == "raw":
            return hexnum(c.retval)
        with xlat_style("abbrev"):
            return f"{hexnum(c.retval)} ({table.flags(c.retval)})"

    return ret


_CAP = _unknown(CAPS, "CAP_???")
_HEX3 = (HEX, HEX, HEX)
_HEX4 = (HEX, HEX, HEX, HEX)
_BOOL_AND_UNUSED = Layout((ULONG, *_HEX3))
_NONE = Layout()

LAYOUTS: dict[int, Layout] = {
    1: Layout((SIGNO,)),  # PR_SET_PDEATHSIG
    2: Layout(exit=(_int_at(lambda v: signal_name(v) if v > 0 else str(v)),)),  # PR_GET_PDEATHSIG
    3: Layout(ret=_ret_named(SUID_DUMP)),  # PR_GET_DUMPABLE
    4: Layout((_unknown(SUID_DUMP, "SUID_DUMP_???"),)),  # PR_SET_DUMPABLE
    5: Layout(exit=(_out(PTR),)),  # PR_GET_UNALIGN
    7: _NONE,  # PR_GET_KEEPCAPS
    8: Layout((ULONG,)),  # PR_SET_KEEPCAPS
    9: Layout(exit=(_out(PTR),)),  # PR_GET_FPEMU
    13: _NONE,  # PR_GET_TIMING
    15: Layout((_new_name,)),  # PR_SET_NAME
    16: Layout(exit=(_out(_name),)),  # PR_GET_NAME
    19: Layout(exit=(_out(PTR),)),  # PR_GET_ENDIAN
    21: _NONE,  # PR_GET_SECCOMP
    23: Layout((_CAP,)),  # PR_CAPBSET_READ
    24: Layout((_CAP,)),  # PR_CAPBSET_DROP
    25: Layout(exit=(_int_at(lambda v: noted_value_text(PR_TSC, v, "PR_TSC_???")),)),  # PR_GET_TSC
    26: Layout((_unknown(PR_TSC, "PR_TSC_???"),)),  # PR_SET_TSC
    27: _NONE,  # PR_GET_SECUREBITS
    28: Layout((_flags(SECUREBITS, "SECBIT_???"),)),  # PR_SET_SECUREBITS
    29: Layout((ULONG,)),  # PR_SET_TIMERSLACK
    30: _NONE,  # PR_GET_TIMERSLACK
    31: _NONE,  # PR_TASK_PERF_EVENTS_DISABLE
    32: _NONE,  # PR_TASK_PERF_EVENTS_ENABLE
    34: Layout(_HEX4, ret=_ret_named(PR_MCE_KILL_POLICY)),  # PR_MCE_KILL_GET
    35: Layout((_unknown(PR_SET_MM_OPS, "PR_SET_MM_???"), *_HEX3)),  # PR_SET_MM
    36: Layout((ULONG,)),  # PR_SET_CHILD_SUBREAPER
    37: Layout(exit=(_int_at(str),)),  # PR_GET_CHILD_SUBREAPER
    38: _BOOL_AND_UNUSED,  # PR_SET_NO_NEW_PRIVS
    40: Layout(exit=(_out(_address_at),)),  # PR_GET_TID_ADDRESS
    41: _BOOL_AND_UNUSED,  # PR_SET_THP_DISABLE
    46: _NONE,  # PR_GET_FP_MODE
    52: Layout((_unknown(PR_SPEC_WHICH, "PR_SPEC_???"),), ret=_ret_flags(PR_SPEC_STATE)),
    53: Layout((_unknown(PR_SPEC_WHICH, "PR_SPEC_???"), flags(PR_SPEC_STATE))),  # unknown bits unmarked
    57: _BOOL_AND_UNUSED,  # PR_SET_IO_FLUSHER
    0x59616D61: Layout((_ptracer,)),  # PR_SET_PTRACER
}


def _mce_kill(c: Call) -> tuple[ArgFormatter, ...]:
    op = c.args[1]
    policy = _unknown(PR_MCE_KILL_POLICY, "PR_MCE_KILL_???") if op == 1 else HEX
    return (const(Xlat.of((0, "PR_MCE_KILL_CLEAR"), (1, "PR_MCE_KILL_SET")), 64), policy, HEX, HEX)


def _cap_ambient(c: Call) -> tuple[ArgFormatter, ...]:
    op = _unknown(PR_CAP_AMBIENT_OPS, "PR_CAP_AMBIENT_???")
    return (op, _CAP, HEX, HEX) if c.args[1] in (1, 2, 3) else (op, *_HEX3)


def _seccomp(c: Call) -> tuple[ArgFormatter, ...]:
    mode = _unknown(SECCOMP_MODES, "SECCOMP_MODE_???")
    return {1: (mode,), 2: (mode, _fprog)}.get(c.args[1], (mode, *_HEX3))


def _set_vma(c: Call) -> tuple[ArgFormatter, ...]:
    op = _unknown(PR_SET_VMA_OPS, "PR_SET_VMA_???")
    return (op, PTR, ULONG, STR) if c.args[1] == 0 else (op, *_HEX3)


# Options whose layout depends on their first argument (a sub-operation).
SUBOPS: dict[int, Callable[[Call], tuple[ArgFormatter, ...]]] = {
    22: _seccomp,  # PR_SET_SECCOMP
    33: _mce_kill,  # PR_MCE_KILL
    47: _cap_ambient,  # PR_CAP_AMBIENT
    0x53564D41: _set_vma,  # PR_SET_VMA
}


def _layout(c: Call) -> Layout:
    option = c.args[0] & 0xFFFFFFFF
    sub = SUBOPS.get(option)
    if sub is not None:
        return Layout(sub(c))
    return LAYOUTS.get(option, Layout(_HEX4))


def _enter(c: Call) -> list[str]:
    option = noted_value_text(PR_OPTIONS, c.args[0] & 0xFFFFFFFF, "PR_???")
    return [option, *(f(c, 1 + k) for k, f in enumerate(_layout(c).enter))]


def _exit(c: Call) -> list[str]:
    layout = _layout(c)
    return [f(c, 1 + len(layout.enter) + k) for k, f in enumerate(layout.exit)]


def _ret(c: Call) -> str:
    return _layout(c).ret(c)


DECODERS: dict[str, Decoder] = {
    "prctl": Decoder(_enter, _exit, ret=_ret, has_exit=lambda c: bool(_layout(c).exit)),
}
