"""The eBPF assembler: encodings derived by hand from linux/bpf.h, then the kernel as the oracle.

The hand encodings follow ``struct bpf_insn`` (code, dst | src << 4, s16 off, s32 imm) with the
class/op/mode values quoted from the header next to each. Programs are then loaded (the verifier
accepts them) and run with BPF_PROG_TEST_RUN (socket-filter type), so every instruction's
meaning is checked by the kernel executing it, not by this file's own reading of the header.
"""

from __future__ import annotations

import ctypes
import os
import re
import struct

import pytest
from bpf_support import require_bpf as _permitted

from renacer.backends.ebpf import bpf
from renacer.backends.ebpf.asm import (
    DW,
    R0,
    R1,
    R2,
    R3,
    R6,
    R7,
    R10,
    B,
    H,
    Helper,
    Program,
    W,
)


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


# ---- encodings, by hand ------------------------------------------------------------------


def test_alu_encodings() -> None:
    # BPF_ALU64 0x07 | BPF_MOV 0xb0 | BPF_X 0x08 = 0xbf; | BPF_K 0x00 = 0xb7
    assert Program().mov(R6, R1).assemble() == insn(0xBF, 6, 1)
    assert Program().mov(R0, -1).assemble() == insn(0xB7, 0, 0, 0, -1)
    # BPF_ALU 0x04 | BPF_MOV = 0xb4; an unsigned 32-bit immediate is stored as its s32 bits
    assert Program().mov32(R0, 0xFFFFFFFF).assemble() == insn(0xB4, 0, 0, 0, -1)
    # BPF_RSH 0x70, BPF_ADD 0x00, BPF_SUB 0x10, BPF_ARSH 0xc0, BPF_AND 0x50, BPF_NEG 0x80
    assert Program().rsh(R0, 32).assemble() == insn(0x77, 0, 0, 0, 32)
    assert Program().add(R2, -4).assemble() == insn(0x07, 2, 0, 0, -4)
    assert Program().sub(R1, R2).assemble() == insn(0x1F, 1, 2)
    assert Program().arsh(R3, 1).assemble() == insn(0xC7, 3, 0, 0, 1)
    assert Program().and32(R1, 0xFF).assemble() == insn(0x54, 1, 0, 0, 0xFF)
    assert Program().neg(R3).assemble() == insn(0x87, 3)
    # BPF_MUL 0x20, BPF_DIV 0x30, BPF_MOD 0x90, BPF_XOR 0xa0, BPF_OR 0x40, BPF_LSH 0x60
    assert Program().mul(R1, 3).div(R1, R2).mod(R1, 7).xor(R1, R1).or_(R1, 8).lsh(R1, 2).assemble() == (
        insn(0x27, 1, 0, 0, 3) + insn(0x3F, 1, 2) + insn(0x97, 1, 0, 0, 7) + insn(0xAF, 1, 1)
        + insn(0x47, 1, 0, 0, 8) + insn(0x67, 1, 0, 0, 2))


def test_memory_encodings() -> None:
    # BPF_LDX 0x01 | BPF_MEM 0x60 | BPF_DW 0x18 = 0x79; BPF_W 0x00, BPF_H 0x08, BPF_B 0x10
    assert Program().ldx(DW, R1, R6, 8).assemble() == insn(0x79, 1, 6, 8)
    assert Program().ldx(W, R1, R6, 4).assemble() == insn(0x61, 1, 6, 4)
    assert Program().ldx(H, R1, R6, 2).assemble() == insn(0x69, 1, 6, 2)
    assert Program().ldx(B, R1, R6, 1).assemble() == insn(0x71, 1, 6, 1)
    # BPF_STX 0x03 | BPF_MEM | BPF_W = 0x63: *(u32 *)(r10 - 4) = r0
    assert Program().stx(W, R10, -4, R0).assemble() == insn(0x63, 10, 0, -4)
    # BPF_ST 0x02 | BPF_MEM | BPF_B = 0x72
    assert Program().st(B, R10, -12, 1).assemble() == insn(0x72, 10, 0, -12, 1)
    # BPF_STX | BPF_ATOMIC 0xc0 | BPF_DW = 0xdb, the operation (BPF_ADD 0) in imm
    assert Program().atomic_add(DW, R1, 0, R2).assemble() == insn(0xDB, 1, 2, 0, 0)


def test_ld_imm64_takes_two_slots() -> None:
    # BPF_LD 0x00 | BPF_IMM 0x00 | BPF_DW 0x18 = 0x18; the second slot holds the upper half
    got = Program().ld_imm64(R2, 0x1122334455667788).assemble()
    assert got == insn(0x18, 2, 0, 0, 0x55667788) + insn(0, 0, 0, 0, 0x11223344)
    assert Program().ld_imm64(R2, -1).assemble() == insn(0x18, 2, 0, 0, -1) + insn(0, 0, 0, 0, -1)
    # BPF_PSEUDO_MAP_FD 1 in src_reg; imm is the fd
    assert Program().ld_map(R1, 5).assemble() == insn(0x18, 1, 1, 0, 5) + insn(0)
    assert len(Program().ld_map(R1, 5)) == 2


def test_jumps_call_exit() -> None:
    # BPF_JMP 0x05 | BPF_CALL 0x80 = 0x85; BPF_EXIT 0x90 = 0x95
    assert Program().call(Helper.GET_CURRENT_PID_TGID).exit().assemble() == insn(0x85, imm=14) + insn(0x95)
    p = Program()
    p.label("top")
    p.jmp("==", R0, 0, "out")  # 0x15: JEQ 0x10 | K; skips the two slots of ld_imm64 and the ja
    p.ld_imm64(R1, 7)
    p.ja("top")  # back to slot 0 from slot 3: off = 0 - (3 + 1)
    p.label("out")
    p.jmp("s<", R1, R2, "out")  # 0xcd: JSLT 0xc0 | X; to itself: off -1
    p.jmp32("!=", R1, 7, "out")  # BPF_JMP32 0x06 | JNE 0x50 = 0x56
    p.exit()
    assert p.assemble() == (insn(0x15, 0, 0, 3, 0) + insn(0x18, 1, 0, 0, 7) + insn(0) + insn(0x05, off=-4)
                            + insn(0xCD, 1, 2, -1) + insn(0x56, 1, 0, -2, 7) + insn(0x95))


@pytest.mark.parametrize(("op", "code"), [("==", 0x1D), ("!=", 0x5D), (">", 0x2D), (">=", 0x3D), ("<", 0xAD),
                                          ("<=", 0xBD), ("s>", 0x6D), ("s>=", 0x7D), ("s<", 0xCD),
                                          ("s<=", 0xDD), ("&", 0x4D)])
def test_every_comparison(op: str, code: int) -> None:
    p = Program().label("x").jmp(op, R1, R2, "x")
    assert p.assemble() == insn(code, 1, 2, -1)


def test_label_errors() -> None:
    with pytest.raises(ValueError, match="unknown label 'nowhere'"):
        Program().ja("nowhere").assemble()
    with pytest.raises(ValueError, match="defined twice"):
        Program().label("a").exit().label("a").assemble()
    with pytest.raises(ValueError, match="unknown jump comparison"):
        Program().jmp("=<", R1, 0, "x")


def test_out_of_range_operands() -> None:
    with pytest.raises(ValueError, match="ld_imm64"):
        Program().mov(R1, 1 << 31)
    with pytest.raises(ValueError, match="16 bits"):
        Program().ldx(DW, R1, R1, 1 << 15)
    with pytest.raises(TypeError):
        Program().mov(1, R1)  # type: ignore[arg-type]


def test_listing_shows_comments_labels_and_slots() -> None:
    p = Program()
    p.comment("keep the context")
    p.mov(R6, R1)
    p.label("done")
    p.ld_imm64(R1, 5)
    p.ldx(W, R0, R6, 8)
    p.exit()
    assert p.listing().splitlines() == [
        "    ; keep the context", "   0: r6 = r1", "done:", "   1: r1 = 0x5 ll", "   3: r0 = *(u32 *)(r6 +8)",
        "   4: exit"]


def test_helper_ids_match_the_header() -> None:
    """Each Helper constant is its name's position in bpf.h's __BPF_FUNC_MAPPER list."""
    text = open("/usr/include/linux/bpf.h").read()
    start = text.index("#define __BPF_FUNC_MAPPER(FN)")
    names = re.findall(r"FN\((\w+)(?:,\s*(\d+))?", text[start:text.index("\n\n", start)])
    ids = {name: int(number) if number else i for i, (name, number) in enumerate(names)}
    for attr, value in vars(Helper).items():
        if attr.isupper():
            assert ids[attr.lower()] == value, attr


# ---- the kernel executes what was assembled ----------------------------------------------------




class _TestRunAttr(ctypes.Structure):
    """The BPF_PROG_TEST_RUN part of union bpf_attr (bpf.h)."""

    _fields_ = [("prog_fd", ctypes.c_uint32), ("retval", ctypes.c_uint32), ("data_size_in", ctypes.c_uint32),
                ("data_size_out", ctypes.c_uint32), ("data_in", ctypes.c_uint64),
                ("data_out", ctypes.c_uint64), ("repeat", ctypes.c_uint32), ("duration", ctypes.c_uint32)]


PROG_TYPE_SOCKET_FILTER, PROG_TEST_RUN = 1, 10


def run(p: Program) -> int:
    """Load ``p`` as a socket filter and run it once on a 64-byte packet: its 32-bit R0."""
    with bpf.load_program(p.assemble(), "asm_test", PROG_TYPE_SOCKET_FILTER) as prog:
        packet = ctypes.create_string_buffer(64)
        attr = _TestRunAttr(prog_fd=prog.fd, data_size_in=64, data_in=ctypes.addressof(packet), repeat=1)
        res = bpf._bpf(PROG_TEST_RUN, attr)
        assert res == 0, os.strerror(-res)
        return attr.retval


def test_kernel_runs_arithmetic() -> None:
    _permitted()
    p = Program().mov(R0, 6).mul(R0, 7).sub(R0, 2).lsh(R0, 4).or_(R0, 3).exit()  # ((6*7-2)<<4)|3
    assert run(p) == ((6 * 7 - 2) << 4) | 3
    # the upper half of a 64-bit constant, brought down by a logical shift
    assert run(Program().ld_imm64(R0, 0xDEADBEEF_00000005).rsh(R0, 32).exit()) == 0xDEADBEEF
    # mov of -1 sign-extends (arsh keeps the sign); mov32 zero-extends
    assert run(Program().mov(R0, -1).arsh(R0, 40).exit()) == 0xFFFFFFFF
    assert run(Program().mov32(R0, -1).rsh(R0, 16).exit()) == 0xFFFF
    assert run(Program().mov(R0, 100).mov(R1, 7).mod(R0, R1).neg(R0).exit()) == (-2) & 0xFFFFFFFF


def test_kernel_runs_stack_memory_and_atomics() -> None:
    _permitted()
    p = Program()
    p.st(DW, R10, -8, 0)
    p.mov(R1, 0x1234)
    p.stx(H, R10, -8, R1)
    p.st(B, R10, -6, 0x56)
    p.mov(R2, 5)
    p.atomic_add(DW, R10, -8, R2)  # 0x561234 + 5
    p.ldx(W, R0, R10, -8)
    p.exit()
    assert run(p) == 0x561239


def test_kernel_follows_jumps() -> None:
    """A loop (backward jump) summing 1..10, with a forward jump over an ld_imm64 into the result."""
    _permitted()
    p = Program()
    p.mov(R0, 0)
    p.mov(R1, 10)
    p.label("loop")
    p.add(R0, R1)
    p.sub(R1, 1)
    p.jmp("!=", R1, 0, "loop")
    p.jmp("s>", R0, 50, "skip")  # 55 > 50: R0 stays 55
    p.ld_imm64(R0, 99)
    p.label("skip")
    p.exit()
    assert run(p) == 55
    for op, left, right, taken in (("<", 1, 2, 1), ("<", -1, 2, 0), ("s<", -1, 2, 1), (">=", 2, 2, 1),
                                   ("&", 6, 1, 0), ("&", 6, 2, 1), ("s<=", -3, -3, 1), ("!=", 4, 4, 0)):
        q = Program().mov(R6, left).mov(R7, right).mov(R0, 1).jmp(op, R6, R7, "out").mov(R0, 0)
        q.label("out").exit()
        assert run(q) == taken, (op, left, right)
