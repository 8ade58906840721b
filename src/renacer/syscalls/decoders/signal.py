"""Decoders for signals: sigaction, masks, kill, and siginfo as strace prints it."""

from __future__ import annotations

import struct

from ..base import INT, ULONG, ArgFormatter, Call, Decoder, const, out, sig
from ..format import ptr
from ..xlat import Xlat
from ..xlat.errno_table import ERRNOS
from ..xlat.signal import (
    BUS_CODES,
    CLD_CODES,
    FPE_CODES,
    ILL_CODES,
    POLL_CODES,
    SA_FLAGS,
    SEGV_CODES,
    SI_CODES,
    SIG_HANDLERS,
    SIGPROCMASK_HOW,
    SS_FLAGS,
    SYS_CODES,
    TRAP_CODES,
)
from .common import SIGNO, failed, read_struct, signal_name, sigset_at, sigset_bits_text, struct_at

__all__ = ["DECODERS", "siginfo_text", "signal_name"]

SA_RESTORER = 0x04000000
SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGCHLD, SIGIO, SIGSYS = 4, 5, 7, 8, 11, 17, 29, 31
SI_USER, SI_KERNEL, SI_QUEUE, SI_TIMER, SI_MESGQ, SI_TKILL = 0, 0x80, -1, -2, -3, -6

# si_code tables for codes the kernel sets (positive), by signal.
_KERNEL_CODES: dict[int, Xlat] = {
    SIGCHLD: CLD_CODES,
    SIGSEGV: SEGV_CODES,
    SIGBUS: BUS_CODES,
    SIGILL: ILL_CODES,
    SIGFPE: FPE_CODES,
    SIGTRAP: TRAP_CODES,
    SIGIO: POLL_CODES,
    SIGSYS: SYS_CODES,
}
_FAULTS = (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV)


def _code_name(signo: int, code: int) -> str:
    if code > 0 and code != SI_KERNEL:
        table = _KERNEL_CODES.get(signo)
        name = table.name(code) if table is not None else None
    else:
        name = SI_CODES.name(code)
    return name if name is not None else str(code)


def _sigval(data: bytes) -> str:
    (val,) = struct.unpack_from("<Q", data, 24)
    as_int = struct.unpack_from("<i", data, 24)[0]
    return f"si_int={as_int}, si_ptr={ptr(val)}"


def siginfo_text(data: bytes) -> str:
    """A 128-byte siginfo_t as strace prints it: ``{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}``."""
    if len(data) < 48:
        return "{}"
    signo, errno, code = struct.unpack_from("<iii", data, 0)
    parts = [f"si_signo={signal_name(signo)}"]
    if errno:
        known = ERRNOS.get(errno)
        parts.append(f"si_errno={known[0] if known else errno}")
    parts.append(f"si_code={_code_name(signo, code)}")
    pid, uid = struct.unpack_from("<iI", data, 16)
    if code == SI_TIMER:
        timerid, overrun = struct.unpack_from("<ii", data, 16)
        parts += [f"si_timerid={timerid:#x}" if timerid > 9 else f"si_timerid={timerid}",
                  f"si_overrun={overrun}", _sigval(data)]
    elif code in (SI_QUEUE, SI_MESGQ):
        parts += [f"si_pid={pid}", f"si_uid={uid}", _sigval(data)]
    elif code <= 0:
        parts += [f"si_pid={pid}", f"si_uid={uid}"]
    elif signo == SIGCHLD and code != SI_KERNEL:
        status, utime, stime = struct.unpack_from("<i4xqq", data, 24)
        # CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED carry a signal number
        shown = signal_name(status) if code in (2, 3, 5, 6) else str(status)
        parts += [f"si_pid={pid}", f"si_uid={uid}", f"si_status={shown}", f"si_utime={utime}",
                  f"si_stime={stime}"]
    elif signo in _FAULTS:
        (addr,) = struct.unpack_from("<Q", data, 16)
        parts.append(f"si_addr={ptr(addr)}")
    elif signo == SIGIO and code != SI_KERNEL:
        band, fd = struct.unpack_from("<qi", data, 16)
        parts += [f"si_band={band}", f"si_fd={fd}"]
    elif signo == SIGSYS and code != SI_KERNEL:
        call_addr, nr, arch = struct.unpack_from("<QiI", data, 16)
        parts += [f"si_call_addr={ptr(call_addr)}", f"si_syscall={nr}", f"si_arch={arch:#x}"]
    return "{" + ", ".join(parts) + "}"


def SIGINFO(c: Call, i: int) -> str:
    data = c.mem.read(c.args[i], 128) if c.args[i] else None
    if data is None or len(data) < 128:
        return ptr(c.args[i])
    return siginfo_text(data)


# ---- sigaction and masks --------------------------------------------------------------------


def sigaction_at(c: Call, addr: int) -> str:
    """A kernel struct sigaction (handler, flags, restorer, mask)."""
    if addr == 0:
        return "NULL"
    got = read_struct(c, addr, "<QQQQ")
    if got is None:
        return ptr(addr)
    handler, fl, restorer, mask = got
    parts = [f"sa_handler={SIG_HANDLERS.value(handler, '{:#x}')}", f"sa_mask={sigset_bits_text(mask)}",
             f"sa_flags={SA_FLAGS.flags(fl)}"]
    if fl & SA_RESTORER:
        parts.append(f"sa_restorer={ptr(restorer)}")
    return "{" + ", ".join(parts) + "}"


def SIGACTION(c: Call, i: int) -> str:
    return sigaction_at(c, c.args[i])


def OUT_SIGACTION(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else sigaction_at(c, c.args[i])


def sigset_arg(size_arg: int) -> ArgFormatter:
    """A sigset_t argument whose size is argument ``size_arg``."""

    def fmt(c: Call, i: int) -> str:
        return sigset_at(c, c.args[i], c.args[size_arg])

    return fmt


def out_sigset(size_arg: int) -> ArgFormatter:
    def fmt(c: Call, i: int) -> str:
        return ptr(c.args[i]) if failed(c) else sigset_at(c, c.args[i], c.args[size_arg])

    return fmt


# Where the saved signal mask sits above the stack pointer at rt_sigreturn on x86_64: the
# return address was popped, so sp is &frame.uc; uc_sigmask follows uc_flags, uc_link,
# uc_stack (24 bytes) and uc_mcontext (256 bytes).
_UC_SIGMASK_AT_SP = 8 + 8 + 24 + 256


def _sigreturn_enter(c: Call) -> list[str]:
    sp = c.sp
    if not sp:
        return []  # the backend did not give the stack pointer
    got = read_struct(c, sp + _UC_SIGMASK_AT_SP, "<Q")
    return [f"{{mask={sigset_bits_text(got[0])}}}"] if got is not None else [ptr(sp)]


def _stack_t(t: tuple[int, ...]) -> str:
    return f"{{ss_sp={ptr(t[0])}, ss_flags={SS_FLAGS.flags(t[1] & 0xFFFFFFFF)}, ss_size={t[2]}}}"


def STACK_T(c: Call, i: int) -> str:
    return struct_at(c, c.args[i], "<Qi4xQ", _stack_t)


def OUT_STACK_T(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else STACK_T(c, i)


def _restart_enter(c: Call) -> list[str]:
    """The call a signal interrupted, which the kernel now resumes (the tracer saves its name)."""
    name = c.saved.get("interrupted") or "system call"
    return [f"<... resuming interrupted {name} ...>"]


DECODERS: dict[str, Decoder] = {
    "restart_syscall": Decoder(_restart_enter),
    "rt_sigaction": sig(SIGNO, SIGACTION, out(OUT_SIGACTION), ULONG),
    "rt_sigprocmask": sig(const(SIGPROCMASK_HOW), sigset_arg(3), out(out_sigset(3)), ULONG),
    "rt_sigpending": sig(out(out_sigset(1)), ULONG),
    "rt_sigsuspend": sig(sigset_arg(1), ULONG),
    "rt_sigreturn": Decoder(_sigreturn_enter),
    "rt_sigqueueinfo": sig(INT, SIGNO, SIGINFO),
    "rt_tgsigqueueinfo": sig(INT, INT, SIGNO, SIGINFO),
    "sigaltstack": sig(STACK_T, out(OUT_STACK_T)),
    "kill": sig(INT, SIGNO),
    "tkill": sig(INT, SIGNO),
    "tgkill": sig(INT, INT, SIGNO),
}
