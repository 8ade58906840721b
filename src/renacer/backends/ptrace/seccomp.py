"""The seccomp-bpf filter the spawned command installs, so that only the syscalls renacer traces stop it.

The program is classic BPF (linux/filter.h): check the audit arch, send another personality's
numbers to the tracer, then find the number's place among the boundaries of the traced ranges by
a balanced tree of ``jge`` comparisons. Constants come from linux/seccomp.h, linux/bpf_common.h,
linux/prctl.h and linux/capability.h.
"""

from __future__ import annotations

import ctypes
import errno
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from ...arch import Arch
from ...config import Config
from . import libc

SECCOMP_RET_TRACE = 0x7FF00000  # stop in the tracer (PTRACE_EVENT_SECCOMP)
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_MODE_FILTER = 2
CAP_SYS_ADMIN = 21
MAX_INSNS = 4096  # BPF_MAXINSNS

BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JMP_JA = 0x05 | 0x00  # BPF_JMP | BPF_JA: k is a 32-bit forward offset
BPF_JMP_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JMP_JGE_K = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K
_MAX_JUMP = 255  # jt and jf are 8-bit offsets

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR_OFFSET, _ARCH_OFFSET = 0, 4

# the command's first execve must be seen; a program's own filter can outrank TRACE, so the tracer
# watches for one being installed (and then stops at every call again)
ALWAYS = frozenset({"execve", "execveat", "seccomp", "prctl"})

Insn = tuple[int, int, int, int]  # struct sock_filter: code, jt, jf, k


@dataclass(frozen=True, slots=True)
class SeccompFilter:
    """A compiled filter: TRACE for ``numbers`` (and anything it cannot judge), ALLOW for the rest."""

    numbers: frozenset[int]
    audit_arch: int
    ranges: tuple[tuple[int, int], ...]  # the traced numbers as sorted half-open [low, high) runs
    program: tuple[Insn, ...]

    def packed(self) -> bytes:
        """The program as an array of struct sock_filter."""
        return b"".join(struct.pack("<HBBI", *insn) for insn in self.program)


@dataclass(frozen=True, slots=True)
class SeccompPlan:
    """What the spawned child installs before its execve, and how."""

    filter: SeccompFilter
    no_new_privs: bool  # renacer lacks CAP_SYS_ADMIN: the kernel wants PR_SET_NO_NEW_PRIVS first
    seccomp_nr: int  # the seccomp(2) number, for the child and for the tracer that watches it succeed


def ranges_of(numbers: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Sorted numbers as half-open runs: {1, 2, 3, 7} -> ((1, 4), (7, 8))."""
    runs: list[list[int]] = []
    for nr in sorted(set(numbers)):
        if runs and runs[-1][1] == nr:
            runs[-1][1] = nr + 1
        else:
            runs.append([nr, nr + 1])
    return tuple((low, high) for low, high in runs)


def _ret(k: int) -> Insn:
    return (BPF_RET_K, 0, 0, k)


def _tree(bounds: list[int], low: int, high: int) -> list[Insn]:
    """Code deciding a number known to lie in gaps ``low``..``high`` (gap i is [bounds[i-1], bounds[i]):
    odd gaps are inside a traced run)."""
    if low == high:
        return [_ret(SECCOMP_RET_TRACE if low % 2 else SECCOMP_RET_ALLOW)]
    mid = (low + high + 1) // 2
    below, above = _tree(bounds, low, mid - 1), _tree(bounds, mid, high)
    if len(below) <= _MAX_JUMP:
        return [(BPF_JMP_JGE_K, len(below), 0, bounds[mid - 1]), *below, *above]
    # too far for an 8-bit jump: the true branch goes through a BPF_JA trampoline
    return [(BPF_JMP_JGE_K, 0, 1, bounds[mid - 1]), (BPF_JMP_JA, 0, 0, len(below)), *below, *above]


def compile_filter(numbers: Iterable[int], arch: Arch) -> SeccompFilter:
    """The filter sending ``numbers`` of ``arch`` to the tracer; a foreign arch or personality goes too."""
    foreign = arch.foreign_from  # x32's calls share x86_64's audit arch
    wanted = frozenset(nr for nr in numbers if nr >= 0 and (foreign is None or nr < foreign))
    ranges = ranges_of(wanted)
    bounds = [b for run in ranges for b in run]
    program: list[Insn] = [
        (BPF_LD_W_ABS, 0, 0, _ARCH_OFFSET),
        (BPF_JMP_JEQ_K, 1, 0, arch.audit_arch),
        _ret(SECCOMP_RET_TRACE),  # an arch renacer does not decode for: show it rather than hide it
        (BPF_LD_W_ABS, 0, 0, _NR_OFFSET),
    ]
    if foreign is not None:
        program += [(BPF_JMP_JGE_K, 0, 1, foreign), _ret(SECCOMP_RET_TRACE)]
    program += _tree(bounds, 0, len(bounds))
    return SeccompFilter(wanted, arch.audit_arch, ranges, tuple(program))


def has_cap_sys_admin() -> bool:
    """Whether renacer holds CAP_SYS_ADMIN (the kernel then takes a filter without NO_NEW_PRIVS)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_SYS_ADMIN & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def plan(config: Config, arch: Arch, also: Iterable[str] = ()) -> SeccompPlan | None:
    """The filter to install for this run, or None where it would not be correct (or was refused).

    ``also``: names that must stop the tracee although they are not shown (calls mapping code,
    when stacks are captured). execve and execveat always stop: the command's first one is seen.
    """
    if config.seccomp_bpf is False or not config.command or config.trace is None:
        return None
    if frozenset(arch.syscalls) <= config.trace:
        return None  # every syscall is traced: nothing to let through
    privileged = has_cap_sys_admin()
    if not privileged and config.seccomp_bpf is None:
        return None  # only an explicit --seccomp-bpf may set NO_NEW_PRIVS (setuid programs lose it)
    names = {*ALWAYS, *also}
    numbers = config.trace | {arch.numbers[name] for name in names if name in arch.numbers}
    flt = compile_filter(numbers, arch)
    if len(flt.program) > MAX_INSNS or "seccomp" not in arch.numbers:
        return None
    return SeccompPlan(flt, not privileged, arch.numbers["seccomp"])


class _SockFprog(ctypes.Structure):
    """struct sock_fprog (linux/filter.h)."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def prepare(flt: SeccompFilter) -> tuple[ctypes.Structure, ctypes.Array]:  # type: ignore[type-arg]
    """The struct sock_fprog for ``flt`` and the buffer it points into, built before fork."""
    code = ctypes.create_string_buffer(flt.packed())
    return _SockFprog(len(flt.program), ctypes.addressof(code)), code


def install(fprog: ctypes.Structure, no_new_privs: bool, seccomp_nr: int) -> bool:
    """In the forked child: install the filter; False (and nothing installed) if the kernel refused."""
    try:
        if no_new_privs:
            libc.prctl(libc.PR_SET_NO_NEW_PRIVS, 1)
        try:
            libc.raw_syscall(seccomp_nr, SECCOMP_SET_MODE_FILTER, 0, ctypes.addressof(fprog))
        except OSError as e:
            if e.errno != errno.ENOSYS:
                raise
            libc.prctl(libc.PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))  # before 3.17
    except OSError:
        return False
    return True
