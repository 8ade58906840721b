"""ptrace: each request's arguments as data (one layout per request), printed strace's way.

Requests are named by the arch's table (the common ones, then its Abi's own), and a layout is
chosen by that name; PEEKUSER offsets name the members of the Abi's struct user.
"""

from __future__ import annotations

from functools import cache

from ...arch.abi import X86_64_ABI, Abi
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
from ..xlat import Xlat, styled
from ..xlat.process import NT_TYPES, PTRACE_OPTIONS, PTRACE_PEEKSIGINFO_FLAGS, PTRACE_REQUESTS
from .common import SIGNO, failed, sigset_at, struct_at
from .signal import SIGINFO

Layout = tuple[tuple[ArgFormatter, ...], tuple[ArgFormatter, ...]]  # (at entry, at exit) after the request


def user_offset_text(off: int, abi: Abi = X86_64_ABI) -> str:
    """An offset into struct user: ``8*RAX``, ``offsetof(struct user, u_debugreg)+4``, else hex."""
    if off < 8 * len(abi.user_regs):
        return styled(hexnum(off), f"8*{abi.user_regs[off // 8]}") if off % 8 == 0 else ptr(off)
    if off < abi.user_size:
        base, name = max(e for e in abi.user_members if e[0] <= off)
        text = f"offsetof(struct user, {name})" + (f"+{off - base}" if off > base else "")
        return styled(hexnum(off), text)
    return ptr(off)


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


def _user_offset(abi: Abi) -> ArgFormatter:
    """A PEEKUSER/POKEUSER address: an offset into ``abi``'s struct user."""
    return lambda c, i: user_offset_text(c.args[i], abi)


def _layouts(abi: Abi) -> dict[str, Layout]:
    """Each request's arguments after the request itself, by the request's name."""
    user = _user_offset(abi)
    return {
        "PTRACE_TRACEME": ((), ()),
        "PTRACE_PEEKTEXT": _PEEK,
        "PTRACE_PEEKDATA": _PEEK,
        "PTRACE_PEEKUSER": ((INT, user), (_word,)),
        "PTRACE_POKETEXT": ((INT, PTR, HEX), ()),
        "PTRACE_POKEDATA": ((INT, PTR, HEX), ()),
        "PTRACE_POKEUSER": ((INT, user, HEX), ()),
        "PTRACE_CONT": _RESUME,
        "PTRACE_KILL": _PID,
        "PTRACE_SINGLESTEP": _RESUME,
        "PTRACE_GETREGS": _GETREGS,
        "PTRACE_GETFPREGS": _GETREGS,
        "PTRACE_ATTACH": _PID,
        "PTRACE_DETACH": _RESUME,
        "PTRACE_GETFPXREGS": _GETREGS,
        "PTRACE_SYSCALL": _RESUME,
        "PTRACE_ARCH_PRCTL": ((INT, PTR, HEX), ()),
        "PTRACE_SYSEMU": _RESUME,
        "PTRACE_SYSEMU_SINGLESTEP": _RESUME,
        "PTRACE_SINGLEBLOCK": _RESUME,
        "PTRACE_SETOPTIONS": ((INT, PTR, _OPTIONS), ()),
        "PTRACE_GETEVENTMSG": ((INT, PTR), (_eventmsg,)),
        "PTRACE_GETSIGINFO": ((INT, PTR), (_siginfo_out,)),
        "PTRACE_SETSIGINFO": ((INT, PTR, SIGINFO), ()),
        "PTRACE_GETREGSET": ((INT, noted_value(NT_TYPES, "NT_???", width=64)), (_iovec,)),
        "PTRACE_SEIZE": ((INT, PTR, _OPTIONS), ()),
        "PTRACE_INTERRUPT": _PID,
        "PTRACE_LISTEN": _PID,
        "PTRACE_PEEKSIGINFO": ((INT, _peeksiginfo_args), (lambda c, i: ptr(c.args[i]),)),
        "PTRACE_GETSIGMASK": ((INT, ULONG), (_sigmask_out,)),
        "PTRACE_SETSIGMASK": ((INT, ULONG, _sigmask_in), ()),
        "PTRACE_SECCOMP_GET_FILTER": ((INT, ULONG), (lambda c, i: ptr(c.args[i]),)),
        "PTRACE_GET_SYSCALL_INFO": ((INT, ULONG), (lambda c, i: ptr(c.args[i]),)),
    }


@cache
def ptrace_requests(abi: Abi) -> Xlat:
    """The ptrace requests strace names on ``abi``'s arch: the common ones, then the arch's own."""
    return Xlat(PTRACE_REQUESTS.entries + abi.ptrace_requests)


def _ptrace(abi: Abi) -> Decoder:
    requests = ptrace_requests(abi)
    layouts = _layouts(abi)

    def layout(c: Call) -> Layout:
        name = requests.name(c.args[0] & 0xFFFFFFFF)
        return layouts.get(name, _DEFAULT) if name is not None else _DEFAULT

    def enter(c: Call) -> list[str]:
        request = noted_value_text(requests, c.args[0] & 0xFFFFFFFF, "PTRACE_???")
        return [request, *(f(c, 1 + k) for k, f in enumerate(layout(c)[0]))]

    def exit_(c: Call) -> list[str]:
        entry, at_exit = layout(c)
        return [f(c, 1 + len(entry) + k) for k, f in enumerate(at_exit)]

    return Decoder(enter, exit_, has_exit=lambda c: bool(layout(c)[1]))


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """ptrace, whose arch-specific requests and struct user are the architecture's."""
    return {"ptrace": _ptrace(abi)}
