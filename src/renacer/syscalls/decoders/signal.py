"""Decoders for signals: actions, masks, waiting, sending (kill, pidfds), and siginfo as strace prints it."""

from __future__ import annotations

import struct
from functools import cache
from importlib import import_module

from ...arch.abi import Abi
from ..base import (
    FD,
    HEX,
    INT,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    hexnum,
    noted_flags,
    noted_flags_text,
    noted_value,
    out,
    ret_fd,
    sig,
    unknown_mark,
)
from ..format import ptr
from ..xlat import Xlat, styled, xlat_style
from ..xlat.errno_table import ERRNOS
from ..xlat.signal import (
    AUDIT_ARCHES,
    BUS_CODES,
    CLD_CODES,
    FPE_CODES,
    ILL_CODES,
    PIDFD_FLAGS,
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
from .common import SIGNO, TIMESPEC, failed, read_struct, signal_name, sigset_at, sigset_bits_text, struct_at

__all__ = ["DECODERS", "siginfo_text", "signal_name", "sigset_arg"]

SA_RESTORER = 0x04000000
SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGCHLD, SIGIO, SIGSYS = 4, 5, 7, 8, 11, 17, 29, 31
SI_USER, SI_KERNEL, SI_TIMER, SI_SIGIO, SI_TKILL = 0, 0x80, -2, -5, -6
CLD_EXITED = 1
SEGV_BNDERR, SEGV_PKUERR = 3, 4
BUS_MCEERR_AR, BUS_MCEERR_AO = 4, 5
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000
SIGSET_SIZE = 8  # the kernel's sigset_t on 64-bit: the only size rt_sig* calls accept
CLK_TCK = 100  # si_utime/si_stime are in clock ticks

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
# the generated table (arch/<name>_table.py) that names a SIGSYS's syscall, by its audit arch
_TABLE_BY_AUDIT_ARCH = {AUDIT_ARCH_X86_64: "x86_64_table", AUDIT_ARCH_AARCH64: "aarch64_table"}


@cache
def _syscall_table(audit_arch: int) -> dict[int, str] | None:
    """The syscall names of the arch that ``audit_arch`` stands for, loaded on first use."""
    module = _TABLE_BY_AUDIT_ARCH.get(audit_arch)
    if module is None:
        return None
    try:
        return import_module(f"renacer.arch.{module}").SYSCALLS
    except ImportError:  # an arch whose table is not generated yet: numbers, as for unknown ones
        return None


# ---- siginfo ---------------------------------------------------------------------------------


def _code_name(signo: int, code: int) -> str:
    if 0 < code < SI_KERNEL:
        table = _KERNEL_CODES.get(signo)
        name = table.name(code) if table is not None else None
    else:
        name = SI_CODES.name(code)
    number = hexnum(code & 0xFFFFFFFF)
    return number if name is None else styled(number, name)


def _uid(uid: int) -> str:
    return "-1" if uid == 0xFFFFFFFF else str(uid)


def _sender(data: bytes) -> list[str]:
    pid, uid = struct.unpack_from("<iI", data, 16)
    return [f"si_pid={pid}", f"si_uid={_uid(uid)}"]


def _sigval(data: bytes, always: bool = False) -> list[str]:
    """``si_int=7, si_ptr=0x7``; strace leaves a zero value out unless the code always carries one."""
    (val,) = struct.unpack_from("<Q", data, 24)
    if not val and not always:
        return []
    return [f"si_int={struct.unpack_from('<i', data, 24)[0]}", f"si_ptr={ptr(val)}"]


def _ticks(n: int) -> str:
    return f"{n} /* {n // CLK_TCK}.{n % CLK_TCK:02d} s */" if n > 0 else str(n)


def _chld_fields(data: bytes, code: int) -> list[str]:
    status, utime, stime = struct.unpack_from("<i4xqq", data, 24)
    shown = str(status) if code == CLD_EXITED else signal_name(status)  # else a signal number
    return _sender(data) + [f"si_status={shown}", f"si_utime={_ticks(utime)}", f"si_stime={_ticks(stime)}"]


def _fault_fields(data: bytes, signo: int, code: int) -> list[str]:
    (addr,) = struct.unpack_from("<Q", data, 16)
    parts = [f"si_addr={ptr(addr)}"]
    if signo == SIGSEGV and code == SEGV_BNDERR:
        lower, upper = struct.unpack_from("<QQ", data, 32)
        parts += [f"si_lower={ptr(lower)}", f"si_upper={ptr(upper)}"]
    elif signo == SIGSEGV and code == SEGV_PKUERR:
        parts.append(f"si_pkey={struct.unpack_from('<I', data, 32)[0]}")
    elif signo == SIGBUS and code in (BUS_MCEERR_AR, BUS_MCEERR_AO):
        parts.append(f"si_addr_lsb={hexnum(struct.unpack_from('<H', data, 24)[0])}")
    return parts


def _syscall_nr(nr: int, arch: int) -> str:
    """A SIGSYS syscall number: ``__NR_getpid`` on the tracer's own arch, else the number."""
    table = _syscall_table(arch)
    if table is None:
        return str(nr)
    if arch == AUDIT_ARCH_X86_64 and nr & X32_SYSCALL_BIT and nr & ~X32_SYSCALL_BIT in table:
        return f"{nr} /* {table[nr & ~X32_SYSCALL_BIT]} */"
    return f"__NR_{table[nr]}" if nr in table else str(nr)


def _sys_fields(data: bytes) -> list[str]:
    call_addr, nr, arch = struct.unpack_from("<QII", data, 16)
    arch_text = AUDIT_ARCHES.value(arch) if AUDIT_ARCHES.name(arch) else unknown_mark(arch, "AUDIT_ARCH_???")
    return [f"si_call_addr={ptr(call_addr)}", f"si_syscall={_syscall_nr(nr, arch)}", f"si_arch={arch_text}"]


def _io_fields(data: bytes) -> list[str]:
    band, fd = struct.unpack_from("<qi", data, 16)
    return [f"si_band={band}", f"si_fd={fd}"]


def _fields(data: bytes, signo: int, code: int) -> list[str]:
    """The union members a (signal, code) pair carries, as strace chooses them."""
    if code in (SI_USER, SI_TKILL):
        return _sender(data)
    if code == SI_TIMER:
        timerid, overrun = struct.unpack_from("<Ii", data, 16)
        return [f"si_timerid={hexnum(timerid)}", f"si_overrun={overrun}", *_sigval(data, always=True)]
    if code == SI_SIGIO:
        return _io_fields(data)
    if code < 0:
        return _sender(data) + _sigval(data)
    if signo == SIGCHLD:
        return _chld_fields(data, code)
    if signo in _FAULTS:
        return _fault_fields(data, signo, code)
    if signo == SIGSYS:
        return _sys_fields(data)
    if signo == SIGIO:
        return _io_fields(data) if POLL_CODES.name(code) is not None else []
    pid, uid = struct.unpack_from("<iI", data, 16)
    return (_sender(data) if pid or uid else []) + _sigval(data)


def siginfo_text(data: bytes) -> str:
    """A 128-byte siginfo_t as strace prints it: ``{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}``."""
    if len(data) < 48:
        return "{}"
    signo, errno, code = struct.unpack_from("<iii", data, 0)
    if signo == 0:
        return "{}"
    parts = [f"si_signo={signal_name(signo)}", f"si_code={_code_name(signo, code)}"]
    if errno:
        known = ERRNOS.get(errno)
        parts.append(f"si_errno={known[0] if known else errno & 0xFFFFFFFF}")
    parts += _fields(data, signo, code)
    return "{" + ", ".join(parts) + "}"


def SIGINFO(c: Call, i: int) -> str:
    data = c.mem.read(c.args[i], 128) if c.args[i] else None
    if data is None or len(data) < 128:
        return ptr(c.args[i])
    return siginfo_text(data)


def OUT_SIGINFO(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else SIGINFO(c, i)


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
             f"sa_flags={noted_flags_text(SA_FLAGS, fl, 'SA_???')}"]
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


def _mask(size_arg: int, smallest: int = SIGSET_SIZE) -> ArgFormatter:
    """A sigset of argument ``size_arg`` bytes, shown when that size is in [smallest, 8], else its pointer."""

    def fmt(c: Call, i: int) -> str:
        addr, size = c.args[i], c.args[size_arg]
        if addr == 0:
            return "NULL"
        if not c.opts.verbose:
            return ptr(addr)
        data = c.mem.read(addr, size) if smallest <= size <= SIGSET_SIZE else None
        if data is None or len(data) < size:
            return ptr(addr)
        return sigset_bits_text(int.from_bytes(data, "little"), size * 8)

    return fmt


def _out_mask(size_arg: int, smallest: int = SIGSET_SIZE) -> ArgFormatter:
    shown = _mask(size_arg, smallest)

    def fmt(c: Call, i: int) -> str:
        return ptr(c.args[i]) if failed(c) else shown(c, i)

    return fmt


def _sigtimedwait_ret(c: Call) -> str:
    """The signal taken: ``12 (SIGUSR2)``, named whatever -X says."""
    with xlat_style("abbrev"):
        return f"{c.retval} ({signal_name(c.retval)})"


def _sigreturn(abi: Abi) -> Decoder:
    """rt_sigreturn: the mask it restores, read from the signal frame at ``abi``'s offset above sp."""

    def enter(c: Call) -> list[str]:
        sp = c.sp
        if not sp:
            return []  # the backend did not give the stack pointer
        at = sp + abi.sigreturn_mask_at
        if not c.opts.verbose:  # -e verbose=none: the mask's address in the frame
            return [f"{{mask={ptr(at)}}}"]
        got = read_struct(c, at, "<Q")
        return [f"{{mask={sigset_bits_text(got[0])}}}"] if got is not None else [ptr(sp)]

    return Decoder(enter)


def _stack_t(t: tuple[int, ...]) -> str:
    flags = noted_flags_text(SS_FLAGS, t[1] & 0xFFFFFFFF, "SS_???")
    return f"{{ss_sp={ptr(t[0])}, ss_flags={flags}, ss_size={t[2]}}}"


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
    "rt_sigprocmask": sig(noted_value(SIGPROCMASK_HOW, "SIG_???"), _mask(3),
                          out(_out_mask(3)), ULONG),
    "rt_sigpending": sig(out(_out_mask(1, smallest=1)), ULONG),
    "rt_sigsuspend": sig(_mask(1), ULONG),
    "rt_sigtimedwait": sig(_mask(3), out(OUT_SIGINFO), TIMESPEC, ULONG, ret=_sigtimedwait_ret),
    "rt_sigqueueinfo": sig(INT, SIGNO, SIGINFO),
    "rt_tgsigqueueinfo": sig(INT, INT, SIGNO, SIGINFO),
    "sigaltstack": sig(STACK_T, out(OUT_STACK_T)),
    "kill": sig(INT, SIGNO),
    "tkill": sig(INT, SIGNO),
    "tgkill": sig(INT, INT, SIGNO),
    "pidfd_open": sig(INT, noted_flags(PIDFD_FLAGS, "PIDFD_???"), ret=ret_fd),
    "pidfd_send_signal": sig(FD, SIGNO, SIGINFO, HEX),
    # the target descriptor is the pidfd's process's; -y names it from the tracee's own table
    "pidfd_getfd": sig(FD, FD, HEX, ret=ret_fd),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """rt_sigreturn, whose signal frame is laid out by the architecture."""
    return {"rt_sigreturn": _sigreturn(abi)}
