"""ptrace: each request's arguments as data (one layout per request), printed strace's way.

The request numbers past PTRACE_SYSCALL and the struct user offsets are x86_64's.
"""

from __future__ import annotations

from ..base import (
    HEX,
    INT,
    PTR,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    hexnum,
    noted_flags,
    noted_flags_text,
    noted_value,
    noted_value_text,
)
from ..format import ptr
from ..xlat import styled
from ..xlat.process import (
    NT_TYPES,
    PTRACE_OPTIONS,
    PTRACE_PEEKSIGINFO_FLAGS,
    PTRACE_REQUESTS,
    USER_MEMBERS,
    USER_REGS,
    USER_SIZE,
)
from .common import SIGNO, failed, sigset_at, struct_at
from .signal import SIGINFO

Layout = tuple[tuple[ArgFormatter, ...], tuple[ArgFormatter, ...]]  # (at entry, at exit) after the request


def user_offset_text(off: int) -> str:
    """An offset into struct user: ``8*RAX``, ``offsetof(struct user, u_debugreg)+4``, else hex."""
    if off < 8 * len(USER_REGS):
        return styled(hexnum(off), f"8*{USER_REGS[off // 8]}") if off % 8 == 0 else ptr(off)
    if off < USER_SIZE:
        base, name = max(e for e in USER_MEMBERS.entries if e[0] <= off)
        text = f"offsetof(struct user, {name})" + (f"+{off - base}" if off > base else "")
        return styled(hexnum(off), text)
    return ptr(off)


def USER_OFFSET(c: Call, i: int) -> str:
    """A PEEKUSER/POKEUSER address: an offset into struct user."""
    return user_offset_text(c.args[i])


def _word(c: Call, i: int) -> str:
    """The word a PEEK request stored through ``data``: ``[0x1234]``."""
    if failed(c):
        return ptr(c.args[i])
    return struct_at(c, c.args[i], "<Q", lambda t: f"[{ptr(t[0])}]")


def _eventmsg(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else struct_at(c, c.args[i], "<Q", lambda t: f"[{t[0]}]")


def _siginfo_out(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else SIGINFO(c, i)


def _iovec(c: Call, i: int) -> str:
    return struct_at(c, c.args[i], "<QQ", lambda t: f"{{iov_base={ptr(t[0])}, iov_len={t[1]}}}")


def _sigmask_in(c: Call, i: int) -> str:
    return sigset_at(c, c.args[i], c.args[i - 1])


def _sigmask_out(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else _sigmask_in(c, i)


def _peeksiginfo_args(c: Call, i: int) -> str:
    def render(t: tuple[int, ...]) -> str:
        fl = noted_flags_text(PTRACE_PEEKSIGINFO_FLAGS, t[1], "PTRACE_PEEKSIGINFO_???")
        return f"{{off={t[0]}, flags={fl}, nr={t[2]}}}"

    return struct_at(c, c.args[i], "<QIi", render)


def _data_ptr(c: Call, i: int) -> str:
    """The data argument (the fourth), the address argument being unused and not printed."""
    return ptr(c.args[3])


_OPTIONS = noted_flags(PTRACE_OPTIONS, "PTRACE_O_???", width=64)
_RESUME: Layout = ((INT, PTR, SIGNO), ())
_PID: Layout = ((INT,), ())
_PEEK: Layout = ((INT, PTR), (_word,))
_GETREGS: Layout = ((INT,), (_data_ptr,))
_DEFAULT: Layout = ((INT, PTR, PTR), ())

LAYOUTS: dict[int, Layout] = {
    0: ((), ()),  # PTRACE_TRACEME
    1: _PEEK,  # PTRACE_PEEKTEXT
    2: _PEEK,  # PTRACE_PEEKDATA
    3: ((INT, USER_OFFSET), (_word,)),  # PTRACE_PEEKUSER
    4: ((INT, PTR, HEX), ()),  # PTRACE_POKETEXT
    5: ((INT, PTR, HEX), ()),  # PTRACE_POKEDATA
    6: ((INT, USER_OFFSET, HEX), ()),  # PTRACE_POKEUSER
    7: _RESUME,  # PTRACE_CONT
    8: _PID,  # PTRACE_KILL
    9: _RESUME,  # PTRACE_SINGLESTEP
    12: _GETREGS,  # PTRACE_GETREGS
    14: _GETREGS,  # PTRACE_GETFPREGS
    16: _PID,  # PTRACE_ATTACH
    17: _RESUME,  # PTRACE_DETACH
    18: _GETREGS,  # PTRACE_GETFPXREGS
    24: _RESUME,  # PTRACE_SYSCALL
    30: ((INT, PTR, HEX), ()),  # PTRACE_ARCH_PRCTL
    31: _RESUME,  # PTRACE_SYSEMU
    32: _RESUME,  # PTRACE_SYSEMU_SINGLESTEP
    33: _RESUME,  # PTRACE_SINGLEBLOCK
    0x4200: ((INT, PTR, _OPTIONS), ()),  # PTRACE_SETOPTIONS
    0x4201: ((INT, PTR), (_eventmsg,)),  # PTRACE_GETEVENTMSG
    0x4202: ((INT, PTR), (_siginfo_out,)),  # PTRACE_GETSIGINFO
    0x4203: ((INT, PTR, SIGINFO), ()),  # PTRACE_SETSIGINFO
    0x4204: ((INT, noted_value(NT_TYPES, "NT_???", width=64)), (_iovec,)),  # PTRACE_GETREGSET
    0x4206: ((INT, PTR, _OPTIONS), ()),  # PTRACE_SEIZE
    0x4207: _PID,  # PTRACE_INTERRUPT
    0x4208: _PID,  # PTRACE_LISTEN
    0x4209: ((INT, _peeksiginfo_args), (lambda c, i: ptr(c.args[i]),)),  # PTRACE_PEEKSIGINFO
    0x420A: ((INT, ULONG), (_sigmask_out,)),  # PTRACE_GETSIGMASK
    0x420B: ((INT, ULONG, _sigmask_in), ()),  # PTRACE_SETSIGMASK
    0x420C: ((INT, ULONG), (lambda c, i: ptr(c.args[i]),)),  # PTRACE_SECCOMP_GET_FILTER
    0x420E: ((INT, ULONG), (lambda c, i: ptr(c.args[i]),)),  # PTRACE_GET_SYSCALL_INFO
}


def _layout(c: Call) -> Layout:
    return LAYOUTS.get(c.args[0] & 0xFFFFFFFF, _DEFAULT)


def _enter(c: Call) -> list[str]:
    request = noted_value_text(PTRACE_REQUESTS, c.args[0] & 0xFFFFFFFF, "PTRACE_???")
    return [request, *(f(c, 1 + k) for k, f in enumerate(_layout(c)[0]))]


def _exit(c: Call) -> list[str]:
    enter, exit_ = _layout(c)
    return [f(c, 1 + len(enter) + k) for k, f in enumerate(exit_)]


DECODERS: dict[str, Decoder] = {
    "ptrace": Decoder(_enter, _exit, has_exit=lambda c: bool(_layout(c)[1])),
}
