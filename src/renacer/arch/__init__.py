"""Architecture descriptions: everything that differs between CPUs lives in one Arch object."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import RenacerError
from .abi import Abi


@dataclass(frozen=True)
class Arch:
    """One CPU architecture as the tracer sees it."""

    name: str
    syscalls: dict[int, str]  # number -> name, generated from kernel headers
    audit_arch: int  # AUDIT_ARCH_* value reported by PTRACE_GET_SYSCALL_INFO and seccomp
    signatures: dict[str, tuple[tuple[str, str], ...]]  # name -> ((C type, arg name), ...)
    abi: Abi  # the struct layouts and flag values the decoders need (arch/abi.py)
    numbers: dict[str, int] = field(default_factory=dict)  # name -> number, filled in __post_init__
    # calls whose kernel arguments a 64-bit arch counts differently (a split offset is one here)
    nargs_overrides: dict[str, int] = field(default_factory=dict)
    # strace's trace classes: spelling ('%file', 'file', '%%stat') -> names; GENERATED, observed from strace
    classes: dict[str, frozenset[str]] = field(default_factory=dict)
    # names strace accepts here from its other personalities (i386, x32); they select no call
    other_names: frozenset[str] = frozenset()
    # the first number of another personality sharing this audit arch (x86_64's x32:
    # __X32_SYSCALL_BIT in asm/unistd.h); None where no other personality shares it
    foreign_from: int | None = None
    # At a signal stop, the call the signal interrupted, read from the NT_PRSTATUS registers (the
    # kernel may already have forgotten it: arm64 says -1 in /proc/TID/syscall there): the byte
    # offset of the register holding its number, and, where that register is not -1 outside a
    # call, the instruction the kernel rewinds pc onto to restart one and pc's byte offset
    interrupted_nr_at: int = -1
    restart_insn: bytes = b""
    pc_at: int = -1

    def __post_init__(self) -> None:
        self.numbers.update({name: nr for nr, name in self.syscalls.items()})

    def syscall_name(self, nr: int) -> str:
        """The syscall's name, or strace's ``syscall_0x...`` spelling for an unknown number."""
        name = self.syscalls.get(nr)
        return name if name is not None else f"syscall_{nr:#x}"

    def interrupted_call(self, regs: bytes, code_at: Callable[[int, int], bytes | None]) -> int | None:
        """The number of the syscall a signal stop interrupted and will restart, from its registers
        ``regs`` and ``code_at(addr, size)`` reading its code; None when it was not in one."""
        at = self.interrupted_nr_at
        if at < 0 or len(regs) < at + 8:
            return None
        nr = int.from_bytes(regs[at:at + 8], "little", signed=True)
        if nr >= 0 and self.restart_insn:
            pc = int.from_bytes(regs[self.pc_at:self.pc_at + 8], "little")
            if code_at(pc, len(self.restart_insn)) != self.restart_insn:
                return None  # not rewound onto the call instruction: the register is just a register
        return nr if nr >= 0 else None

    def nargs(self, name: str) -> int:
        """How many arguments the kernel reads for ``name`` (6 when unknown, as strace prints)."""
        if name in self.nargs_overrides:
            return self.nargs_overrides[name]
        sig = self.signatures.get(name)
        return 6 if sig is None else len(sig)


def by_name(name: str) -> Arch:
    """The Arch called ``name`` (``uname -m``'s spelling); RenacerError for one renacer lacks."""
    if name == "x86_64":
        from .x86_64 import X86_64

        return X86_64
    if name == "aarch64":
        from .aarch64 import AARCH64

        return AARCH64
    raise RenacerError(f"unsupported architecture: {name}")


def current() -> Arch:
    """The Arch of the machine renacer runs on."""
    return by_name(platform.machine())
