"""Registers as the unwinder sees them: DWARF register numbers, per architecture, as data.

The ptrace backend hands over the raw general-purpose register block (PTRACE_GETREGSET with
NT_PRSTATUS: x86_64's ``struct user_regs_struct``, aarch64's ``struct user_pt_regs``);
``dwarf_registers`` turns it into ``{DWARF number: value}``. Everything the unwinder needs to
know about a CPU (which column is the pc, where a leaf's return address is, the frame-pointer
layout, the signal trampoline and where a signal frame saved each register, where the thread
pointer is) lives in one ``RegisterSet`` per architecture name. This module and ``arch/`` are
the only places that know an architecture.
"""

from __future__ import annotations

import platform
import struct
from dataclasses import dataclass

NT_PRSTATUS = 1  # ELF note types naming a ptrace register set (linux/elf.h)
NT_ARM_TLS = 0x401
MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class RegisterSet:
    """One architecture's registers: raw layout, DWARF numbering and signal-frame layout."""

    name: str
    word: int  # bytes in a register / pointer
    raw_size: int  # bytes of the NT_PRSTATUS register block
    raw_slots: tuple[tuple[int, int], ...]  # (DWARF number, byte offset in the ptrace block)
    pc: int  # DWARF column holding the pc (x86_64: the return-address column, 16)
    sp: int  # DWARF number of the stack pointer
    fp: int  # DWARF number of the frame pointer
    # frame-pointer chain: the saved frame pointer and the return address, as offsets from fp;
    # the caller's sp is (at least) fp + fp_cfa
    fp_saved_fp: int
    fp_saved_ra: int
    fp_cfa: int
    sigreturn_code: bytes  # the kernel-ABI signal return trampoline's instructions
    # (DWARF number, offset from the trampoline frame's sp) of each register the kernel saved
    signal_saved: tuple[tuple[int, int], ...]
    thread_pointer: int  # byte offset of the TLS base in the ``tls_note`` register set
    # the register set holding the thread pointer (PTRACE_GETREGSET note type)
    tls_note: int = NT_PRSTATUS
    # how far below the thread pointer pthread_self() may lie: 0 where the thread pointer is the
    # struct pthread (TLS variant II); its size where struct pthread ends at it (variant I)
    pthread_below: int = 0
    # the register a call leaves the return address in (a leaf returns through it), None when a
    # call pushes it on the stack
    link: int | None = None
    # the bits of a return address that are address: a pointer-authentication code above the
    # virtual-address bits is stripped
    address_mask: int = MASK
    # whether a signal trampoline's own CFI restores every register; if not, its frame is read
    # from the kernel's signal frame as soon as the trampoline's code is recognised
    signal_cfi_complete: bool = True


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
    thread_pointer=21 * 8,  # fs_base
)

# aarch64 (AAPCS64's DWARF numbering): x0-x30 are 0-30 (x29 the frame pointer, x30 the link
# register and the CFI return-address column), sp is 31, the pc 32.
# struct user_pt_regs (asm/ptrace.h): regs[31] (x0-x30), sp, pc, pstate — 34 u64 words.
_AARCH64_PC = 32
_AARCH64_SLOTS = tuple((n, 8 * n) for n in range(33))  # x0-x30, sp, pc in DWARF order

# The handler returns into the trampoline with sp at struct rt_sigframe: siginfo (128 bytes), then
# struct ucontext (asm/ucontext.h): uc_flags 8, uc_link 8, uc_stack 24, uc_sigmask 8, __unused
# 120 (to 1024 bits of mask), then uc_mcontext, a struct sigcontext aligned to 16 (its
# __reserved is __aligned__(16)): at 176. sigcontext: fault_address 8, regs[31], sp, pc, pstate.
AARCH64_UCONTEXT = 128
AARCH64_MCONTEXT = AARCH64_UCONTEXT + (-(-(8 + 8 + 24 + 8 + 120) // 16) * 16)  # 304
_AARCH64_SIGNAL = tuple((n, AARCH64_MCONTEXT + 8 + 8 * n) for n in range(33))  # x0-x30, sp, pc

AARCH64 = RegisterSet(
    name="aarch64",
    word=8,
    raw_size=34 * 8,
    raw_slots=_AARCH64_SLOTS,
    pc=_AARCH64_PC,
    sp=31,
    fp=29,
    # a frame record: x29 points at {saved x29, saved x30}; the caller's frame lies above it
    fp_saved_fp=0,
    fp_saved_ra=8,
    fp_cfa=16,
    # movz x8, #139 (rt_sigreturn in the generic table): 0xd2801168; svc #0: 0xd4000001
    sigreturn_code=bytes.fromhex("681180d2" "010000d4"),
    signal_saved=_AARCH64_SIGNAL,
    thread_pointer=0,  # TPIDR_EL0, the first word of NT_ARM_TLS
    tls_note=NT_ARM_TLS,
    # glibc's pthread_self() is TPIDR_EL0 - sizeof(struct pthread) (1856 in glibc 2.41): a page
    # covers every version, and threads' structs are a stack apart
    pthread_below=4096,
    link=30,
    # user addresses are below 2**48 (48-bit VAs); a signed return address (PAC) has its code above
    address_mask=(1 << 48) - 1,
    # the vDSO's __kernel_rt_sigreturn CFI restores only x29 and x30 (from the frame record), on purpose
    signal_cfi_complete=False,
)

REGISTER_SETS: dict[str, RegisterSet] = {"x86_64": X86_64, "aarch64": AARCH64}


def host_arch() -> str:
    """The name of the architecture renacer runs on, for callers with no Arch at hand (tests, tools);
    the tracer passes its Arch's name."""
    machine = platform.machine()
    return machine if machine in REGISTER_SETS else "x86_64"


def register_set(arch: str | None = None) -> RegisterSet:
    """The RegisterSet of an architecture name ('x86_64', 'aarch64'; None: this machine's); KeyError
    for an unknown one."""
    return REGISTER_SETS[arch or host_arch()]


def _layout(regs: RegisterSet) -> tuple[struct.Struct, tuple[int, ...]]:
    """One unpacking of just the slots the unwinder uses, and their DWARF numbers in that order."""
    slots = sorted(regs.raw_slots, key=lambda slot: slot[1])
    code, at, fmt = ("Q" if regs.word == 8 else "I"), 0, "<"
    for _, off in slots:
        fmt += (f"{off - at}x" if off > at else "") + code
        at = off + regs.word
    return struct.Struct(fmt), tuple(dwarf for dwarf, _ in slots)


_LAYOUTS = {name: _layout(regs) for name, regs in REGISTER_SETS.items()}


def dwarf_registers(raw: bytes, arch: str | None = None) -> dict[int, int]:
    """The NT_PRSTATUS register block as {DWARF register number: value}; {} if the block is too short."""
    arch = arch or host_arch()
    layout, numbers = _LAYOUTS[arch]
    if len(raw) < REGISTER_SETS[arch].raw_size:
        return {}
    return dict(zip(numbers, layout.unpack_from(raw), strict=True))


def thread_pointer(raw: bytes, arch: str | None = None) -> int | None:
    """The thread's TLS base from its ``tls_note`` register block (x86_64: fs_base in NT_PRSTATUS;
    aarch64: TPIDR_EL0 in NT_ARM_TLS), or None if the block is too short."""
    regs = register_set(arch)
    fmt = "<Q" if regs.word == 8 else "<I"
    if len(raw) < regs.thread_pointer + regs.word:
        return None
    return struct.unpack_from(fmt, raw, regs.thread_pointer)[0]
