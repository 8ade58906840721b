"""Registers as the unwinder sees them: DWARF register numbers, per architecture, as data.

The ptrace backend hands over the raw ``struct user_regs_struct`` bytes (PTRACE_GETREGS);
``dwarf_registers`` turns them into ``{DWARF number: value}``. Everything the unwinder needs to
know about a CPU (which column is the pc, the frame-pointer layout, the signal trampoline and
where a signal frame saved each register) lives in one ``RegisterSet`` per architecture name.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegisterSet:
    """One architecture's registers: raw layout, DWARF numbering and signal-frame layout."""

    name: str
    word: int  # bytes in a register / pointer
    raw_size: int  # bytes of the ptrace register block
    raw_slots: tuple[tuple[int, int], ...]  # (DWARF number, byte offset in the ptrace block)
    pc: int  # DWARF column holding the pc (x86_64: the return-address column, 16)
    sp: int  # DWARF number of the stack pointer
    fp: int  # DWARF number of the frame pointer
    # frame-pointer chain: the saved frame pointer and the return address, as offsets from fp;
    # the caller's sp is fp + fp_cfa
    fp_saved_fp: int
    fp_saved_ra: int
    fp_cfa: int
    sigreturn_code: bytes  # the kernel-ABI signal return trampoline's instructions
    # (DWARF number, offset from the trampoline frame's sp) of each register the kernel saved
    signal_saved: tuple[tuple[int, int], ...]
    thread_pointer: int  # byte offset in the ptrace block of the TLS base (pthread_self()): fs_base


# struct user_regs_struct (sys/user.h): r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi
# orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs — 27 u64 words.
_X86_64_USER_REGS = (
    (15, 0), (14, 1), (13, 2), (12, 3), (6, 4), (3, 5), (11, 6), (10, 7), (9, 8), (8, 9),
    (0, 10), (2, 11), (1, 12), (4, 13), (5, 14), (16, 16), (7, 19),
)  # DWARF numbers (psABI): 0 rax 1 rdx 2 rcx 3 rbx 4 rsi 5 rdi 6 rbp 7 rsp 8-15 r8-r15 16 rip

# After the handler returns into the trampoline, sp points at struct ucontext (asm-generic/ucontext.h):
# uc_flags 8, uc_link 8, uc_stack 24, then uc_mcontext = struct sigcontext (asm/sigcontext.h):
# r8 r9 r10 r11 r12 r13 r14 r15 rdi rsi rbp rbx rdx rax rcx rsp rip, from byte 40.
_X86_64_SIGCONTEXT = (8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16)

X86_64 = RegisterSet(
    name="x86_64",
    word=8,
    raw_size=27 * 8,
    raw_slots=tuple((dwarf, slot * 8) for dwarf, slot in _X86_64_USER_REGS),
    pc=16,
    sp=7,
    fp=6,
    fp_saved_fp=0,
    fp_saved_ra=8,
    fp_cfa=16,
    sigreturn_code=bytes.fromhex("48c7c00f000000" "0f05"),  # mov $15 (rt_sigreturn),%rax; syscall
    signal_saved=tuple((dwarf, 40 + 8 * i) for i, dwarf in enumerate(_X86_64_SIGCONTEXT)),
    thread_pointer=21 * 8,
)

REGISTER_SETS: dict[str, RegisterSet] = {"x86_64": X86_64}


def register_set(arch: str) -> RegisterSet:
    """The RegisterSet of an architecture name ('x86_64'); KeyError for an unknown one."""
    return REGISTER_SETS[arch]


def _layout(regs: RegisterSet) -> tuple[struct.Struct, tuple[int, ...]]:
    """One unpacking of just the slots the unwinder uses, and their DWARF numbers in that order."""
    slots = sorted(regs.raw_slots, key=lambda slot: slot[1])
    code, at, fmt = ("Q" if regs.word == 8 else "I"), 0, "<"
    for _, off in slots:
        fmt += (f"{off - at}x" if off > at else "") + code
        at = off + regs.word
    return struct.Struct(fmt), tuple(dwarf for dwarf, _ in slots)


_LAYOUTS = {name: _layout(regs) for name, regs in REGISTER_SETS.items()}


def dwarf_registers(raw: bytes, arch: str = "x86_64") -> dict[int, int]:
    """The ptrace register block as {DWARF register number: value}; {} if the block is too short."""
    layout, numbers = _LAYOUTS[arch]
    if len(raw) < REGISTER_SETS[arch].raw_size:
        return {}
    return dict(zip(numbers, layout.unpack_from(raw), strict=True))


def thread_pointer(raw: bytes, arch: str = "x86_64") -> int | None:
    """The thread's TLS base from the ptrace register block (x86_64: fs_base), or None if too short."""
    regs = REGISTER_SETS[arch]
    fmt = "<Q" if regs.word == 8 else "<I"
    if len(raw) < regs.thread_pointer + regs.word:
        return None
    return struct.unpack_from(fmt, raw, regs.thread_pointer)[0]
