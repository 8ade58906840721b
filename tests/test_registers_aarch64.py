"""aarch64's registers and unwinding, on any host: fabricated register blocks, signal frames and stacks.

The facts (struct user_pt_regs, struct rt_sigframe, AAPCS64's DWARF numbers, the rt_sigreturn
trampoline) are restated here from the kernel headers' declarations and checked against the
RegisterSet; stacks are hand-built memory with hand-assembled .eh_frame, walked by the real
Unwinder. Unwinding a live aarch64 process is tested in the emulated machine.
"""

from __future__ import annotations

import ctypes
import struct
import subprocess
import sys

import pytest
from fidelity import sleb as _sleb
from fidelity import uleb as _uleb

from renacer.backends.ptrace import libc
from renacer.source.modules import ElfImage, Module, ModuleMap, Section
from renacer.source.registers import AARCH64, NT_ARM_TLS, dwarf_registers, register_set, thread_pointer
from renacer.source.unwind import CFI, FRAME_POINTER, Unwinder

TGID = 0x3FFFFFF0  # no such process: every test hands the unwinder its module map
APP, APP_END = 0x400000, 0x410000
EH_ADDR = 0x408000
STACK = 0x7FF000
PAC = 0x5A << 48  # a pointer-authentication code in a return address's top bits


# --- the register block and the DWARF numbering ---------------------------------------------------

def test_user_pt_regs_bytes_map_to_aapcs64_dwarf_numbers():
    # struct user_pt_regs { __u64 regs[31]; __u64 sp; __u64 pc; __u64 pstate; }
    values = [0x1000 + n for n in range(31)] + [0x7FF0, 0x400123, 0x60000000]
    regs = dwarf_registers(struct.pack("<34Q", *values), "aarch64")
    assert {n: regs[n] for n in range(31)} == {n: 0x1000 + n for n in range(31)}  # x0-x30: 0-30
    assert (regs[31], regs[AARCH64.pc]) == (0x7FF0, 0x400123)  # sp is 31; the pc has its own column
    assert 0x60000000 not in regs.values()  # pstate is nobody's column
    assert AARCH64.raw_size == 34 * 8 and AARCH64.sp == 31 and AARCH64.fp == 29 and AARCH64.link == 30
    assert dwarf_registers(b"\0" * (33 * 8), "aarch64") == {}  # a short block is no registers at all
    assert register_set("aarch64") is AARCH64


def test_the_thread_pointer_comes_from_nt_arm_tls():
    assert AARCH64.tls_note == NT_ARM_TLS == 0x401
    assert thread_pointer(struct.pack("<Q", 0xFFFF_8000_1234), "aarch64") == 0xFFFF_8000_1234  # TPIDR_EL0
    assert thread_pointer(b"\0" * 4, "aarch64") is None


def test_getregset_reads_this_machines_blocks_and_pthread_self_is_at_the_thread_pointer():
    """On the host (x86_64 here, aarch64 in the emulated machine): NT_PRSTATUS is the RegisterSet's
    block, and pthread_self() lies where the RegisterSet says below the thread pointer."""
    regs = register_set()
    # a separate program, not os.fork() of the test process (a forked copy of a threaded pytest
    # can die before it says anything, and must never run on as a second pytest)
    child = subprocess.Popen([sys.executable, "-c", _SAY_PTHREAD_SELF], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    pid = child.pid
    try:
        assert child.stdout is not None
        (pthread_self,) = struct.unpack("<Q", child.stdout.read(8))
        libc.ptrace(libc.PTRACE_SEIZE, pid, 0, 0)
        libc.ptrace(libc.PTRACE_INTERRUPT, pid, 0, 0)
        assert libc.wait(pid)[0] == pid
        block = libc.get_regs(pid)
        assert block is not None and len(block) == regs.raw_size
        assert dwarf_registers(block)[regs.sp] > 0
        tls = block if regs.tls_note == 1 else libc.get_regset(pid, regs.tls_note, regs.thread_pointer + 8)
        base = thread_pointer(tls) if tls is not None else None
        assert base is not None and base - regs.pthread_below <= pthread_self <= base
    finally:
        child.kill()
        child.wait()


_SAY_PTHREAD_SELF = """
import ctypes, struct, sys
self_fn = ctypes.CDLL(None).pthread_self
self_fn.restype = ctypes.c_ulong
sys.stdout.buffer.write(struct.pack("<Q", self_fn()))
sys.stdout.flush()
sys.stdin.read(1)
"""


# --- the signal frame and the trampoline --------------------------------------------------------

class _StackT(ctypes.Structure):  # stack_t: ss_sp, ss_flags, ss_size
    _fields_ = [("ss_sp", ctypes.c_uint64), ("ss_flags", ctypes.c_int32), ("ss_size", ctypes.c_uint64)]


class _UcontextHead(ctypes.Structure):  # asm/ucontext.h, up to uc_mcontext
    _fields_ = [("uc_flags", ctypes.c_uint64), ("uc_link", ctypes.c_uint64), ("uc_stack", _StackT),
                ("uc_sigmask", ctypes.c_uint64),  # sigset_t: _NSIG 64 bits
                ("unused", ctypes.c_uint8 * (1024 // 8 - 8))]


class _Sigcontext(ctypes.Structure):  # asm/sigcontext.h, up to __reserved (__aligned__(16))
    _fields_ = [("fault_address", ctypes.c_uint64), ("regs", ctypes.c_uint64 * 31), ("sp", ctypes.c_uint64),
                ("pc", ctypes.c_uint64), ("pstate", ctypes.c_uint64)]


def test_signal_frame_offsets_follow_rt_sigframe():
    siginfo = 128  # struct rt_sigframe { struct siginfo info; struct ucontext uc; }
    # uc_mcontext is a struct sigcontext, 16-byte aligned by its __reserved member
    mcontext = siginfo + -(-ctypes.sizeof(_UcontextHead) // 16) * 16
    assert mcontext - siginfo == 176
    regs = mcontext + _Sigcontext.regs.offset
    expected = {n: regs + 8 * n for n in range(31)}
    expected[31] = mcontext + _Sigcontext.sp.offset
    expected[AARCH64.pc] = mcontext + _Sigcontext.pc.offset
    assert dict(AARCH64.signal_saved) == expected
    assert (expected[0], expected[AARCH64.pc]) == (312, 568)


def test_sigreturn_trampoline_is_movz_x8_rt_sigreturn_then_svc_0():
    from renacer.arch.aarch64_table import SYSCALLS

    nr = next(n for n, name in SYSCALLS.items() if name == "rt_sigreturn")
    movz_x8 = 0xD2800000 | nr << 5 | 8  # MOVZ (64-bit, hw 0): sf opc=10 100101 hw imm16 Rd
    svc_0 = 0xD4000001  # SVC #imm16: 11010100 000 imm16 00001
    assert nr == 139
    assert AARCH64.sigreturn_code == struct.pack("<II", movz_x8, svc_0)


# --- fabricated stacks --------------------------------------------------------------------------

class Memory:
    """A MemoryReader over a few regions: a read starting in one gets what it holds (a short read
    at its end, as process_vm_readv's), elsewhere nothing."""

    def __init__(self, *regions: tuple[int, bytes]) -> None:
        self.regions = regions

    def read(self, addr: int, size: int) -> bytes | None:
        for base, data in self.regions:
            if base <= addr < base + len(data):
                return data[addr - base : addr - base + size]
        return None


def stack(words: dict[int, int], size: int = 0x400) -> tuple[int, bytes]:
    """A stack region at STACK holding ``words`` at their offsets."""
    data = bytearray(size)
    for off, value in words.items():
        struct.pack_into("<Q", data, off, value)
    return STACK, bytes(data)


def _entry(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little") + body


def _cie(signal: bool = False) -> bytes:
    """GCC's aarch64 CIE: code_align 4, data_align -8, return address in x30, CFA = sp."""
    aug = b"zRS\0" if signal else b"zR\0"
    return _entry(b"\0\0\0\0" + b"\x01" + aug + _uleb(4) + _sleb(-8) + bytes([30]) + _uleb(1) + b"\x1b"
                  + b"\x0c\x1f\x00")


def eh_frame(*fdes: tuple[int, int, bytes, bool]) -> bytes:
    """.eh_frame with one plain and one signal CIE, then an FDE per (begin, size, code, signal)."""
    plain, sig = _cie(), _cie(signal=True)
    data = plain + sig
    for begin, size, code, is_signal in fdes:
        at, cie_at = len(data), len(plain) if is_signal else 0
        ptr = (at + 4 - cie_at).to_bytes(4, "little")
        pc = (begin - (EH_ADDR + at + 8)).to_bytes(4, "little", signed=True)
        data += _entry(ptr + pc + size.to_bytes(4, "little") + _uleb(0) + code)
    return data + b"\0\0\0\0"


def unwinder_for(eh: bytes | None) -> Unwinder:
    sections = {".eh_frame": Section(eh, EH_ADDR)} if eh is not None else {}
    image = ElfImage(("fabricated", id(eh)), "", (), sections)
    unwinder = Unwinder("aarch64")
    unwinder._maps[TGID] = ModuleMap([(Module("/fabricated/app", APP, APP_END, 0, 0, ""), image)], [])
    return unwinder


LEAF, CALLER, MAIN, TRAMPOLINE = 0x401000, 0x402000, 0x403000, 0x405000
# stp x29, x30, [sp, #-32]!: CFA = sp + 32, x29 at CFA-32, x30 at CFA-24; the return address signed
CALLER_CFI = b"\x2d" + b"\x0e\x20" + b"\x9d\x04" + b"\x9e\x03"
MAIN_CFI = b"\x0e\x10" + b"\x9d\x02" + b"\x07\x1e"  # x30 undefined: the outermost frame
FDES = ((LEAF, 0x10, b"", False), (CALLER, 0x40, CALLER_CFI, False), (MAIN, 0x40, MAIN_CFI, False))


def registers(pc: int, sp: int, lr: int, fp: int = 0) -> dict[int, int]:
    return {**{n: 0 for n in range(29)}, 29: fp, 30: lr, 31: sp, AARCH64.pc: pc}


def test_a_leaf_returns_through_the_link_register_by_cfi():
    # write() in glibc is a leaf: no frame, its caller only in x30; the caller saved x29/x30, signed
    memory = Memory(stack({0x00: 0, 0x08: (MAIN + 0x24) | PAC}))
    unwinder = unwinder_for(eh_frame(*FDES))
    frames, how = unwinder.unwind(TGID, registers(LEAF + 8, STACK, CALLER + 0x14), memory)
    assert [f.addr for f in frames] == [LEAF + 8, CALLER + 0x14, MAIN + 0x24]
    assert how == CFI
    assert frames[1].module == "/fabricated/app" and frames[1].offset == CALLER + 0x14


def test_a_remembered_leaf_walk_depends_on_the_link_register():
    memory = Memory(stack({0x00: 0, 0x08: MAIN + 0x24}))
    unwinder = unwinder_for(eh_frame(*FDES))
    first = registers(LEAF + 8, STACK, CALLER + 0x14)
    frames, _ = unwinder.unwind_at(TGID, LEAF + 8, STACK, lambda: first, memory)
    again, _ = unwinder.unwind_at(TGID, LEAF + 8, STACK, lambda: first, memory)
    assert again == frames
    # the same pc and sp, called from elsewhere: another caller, whose frame is elsewhere
    other = registers(LEAF + 8, STACK, CALLER + 0x18)
    frames, _ = unwinder.unwind_at(TGID, LEAF + 8, STACK, lambda: other, memory)
    assert [f.addr for f in frames] == [LEAF + 8, CALLER + 0x18, MAIN + 0x24]


def test_without_cfi_the_link_register_then_the_frame_record_chain():
    # leaf (no record) -> caller's record at 0x40 -> main's record at 0x80 -> {0, 0}: the end
    records = {0x40: STACK + 0x80, 0x48: MAIN + 0x24 | PAC, 0x80: 0, 0x88: 0}
    memory = Memory(stack(records))
    frames, how = unwinder_for(None).unwind(TGID, registers(LEAF + 8, STACK, CALLER + 0x14, STACK + 0x40),
                                            memory)
    assert [f.addr for f in frames] == [LEAF + 8, CALLER + 0x14, MAIN + 0x24]
    assert how == FRAME_POINTER


def _sigframe(interrupted: dict[int, int]) -> dict[int, int]:
    """The words of an rt_sigframe at the stack's base holding the interrupted registers."""
    return {off: interrupted[n] for n, off in AARCH64.signal_saved}


@pytest.mark.parametrize("trampoline_cfi", [False, True], ids=["no-cfi", "vdso-like-cfi"])
def test_a_stop_at_rt_sigreturn_unwinds_through_the_signal_frame(trampoline_cfi):
    # interrupted in the leaf, at its first instruction: the sp where the kernel's frame says
    below = STACK + 0x300
    interrupted = registers(LEAF + 4, below, CALLER + 0x14, fp=STACK + 0x200)
    words = {**_sigframe(interrupted), 0x300: 0, 0x308: MAIN + 0x24}
    # the vDSO's __kernel_rt_sigreturn CFI: a signal frame, CFA = x29, only x29 and x30 restored
    vdso_cfi = b"\x0c\x1d\x00" + b"\x9d\x00" + b"\x9e\x7f"  # def_cfa x29, 0; x29 at +0; x30 at +8
    fdes = (*FDES, (TRAMPOLINE, 8, vdso_cfi, True)) if trampoline_cfi else FDES
    code = (TRAMPOLINE, AARCH64.sigreturn_code)
    unwinder = unwinder_for(eh_frame(*fdes))
    # x29 points at the kernel's frame record {interrupted x29, interrupted x30}: not the pc
    memory = Memory(code, stack(words | {0x3F0: 0, 0x3F8: CALLER + 0x99}))
    frames, how = unwinder.unwind(TGID, registers(TRAMPOLINE + 8, STACK, 0, fp=STACK + 0x3F0), memory)
    assert [f.addr for f in frames] == [TRAMPOLINE + 8, LEAF + 4, CALLER + 0x14, MAIN + 0x24]
    assert how == CFI


def test_a_handler_returning_into_the_trampoline_is_recognised_by_its_code():
    interrupted = registers(LEAF + 4, STACK + 0x300, CALLER + 0x14)
    words = {**_sigframe(interrupted), 0x300: 0, 0x308: MAIN + 0x24}
    code = (TRAMPOLINE, AARCH64.sigreturn_code)
    unwinder = unwinder_for(eh_frame(*FDES))
    # the handler (a leaf, by CFI at LEAF) returns to the trampoline through x30
    frames, _ = unwinder.unwind(TGID, registers(LEAF + 8, STACK, TRAMPOLINE), Memory(code, stack(words)))
    assert [f.addr for f in frames] == [LEAF + 8, TRAMPOLINE, LEAF + 4, CALLER + 0x14, MAIN + 0x24]
