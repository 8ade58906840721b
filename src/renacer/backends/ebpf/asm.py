"""A small eBPF assembler: registers, instructions and labels in, the kernel's ``struct bpf_insn`` bytes out.

Every encoding is from /usr/include/linux/bpf.h and bpf_common.h. An instruction is 8 bytes:
``u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm`` (little-endian, dst in the low nibble);
``code`` is class | size-or-op | mode-or-source. ``ld_imm64`` takes two such slots.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Protocol

# instruction classes (bpf_common.h, bpf.h)
LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64 = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
# load/store sizes and modes
W, H, B, DW = 0x00, 0x08, 0x10, 0x18
IMM, MEM, ATOMIC = 0x00, 0x60, 0xC0
# ALU operations
_ALU_OPS = {"add": 0x00, "sub": 0x10, "mul": 0x20, "div": 0x30, "or": 0x40, "and": 0x50, "lsh": 0x60,
            "rsh": 0x70, "neg": 0x80, "mod": 0x90, "xor": 0xA0, "mov": 0xB0, "arsh": 0xC0}
# jump operations, by the comparison they make (unsigned unless marked s)
JUMPS = {"==": 0x10, ">": 0x20, ">=": 0x30, "&": 0x40, "!=": 0x50, "s>": 0x60, "s>=": 0x70,
         "<": 0xA0, "<=": 0xB0, "s<": 0xC0, "s<=": 0xD0}
JA, CALL, EXIT = 0x00, 0x80, 0x90
K, X = 0x00, 0x08  # operand source: the immediate, or src_reg
PSEUDO_MAP_FD = 1  # ld_imm64 with src_reg 1: imm is a map fd the kernel turns into the map's address

_SIZE_NAMES = {W: "u32", H: "u16", B: "u8", DW: "u64"}
_OP_SYMBOLS = {"add": "+=", "sub": "-=", "mul": "*=", "div": "/=", "or": "|=", "and": "&=", "lsh": "<<=",
               "rsh": ">>=", "mod": "%=", "xor": "^=", "mov": "=", "arsh": "s>>="}
_INSN = struct.Struct("<BBhi")


class Helper:
    """Helper function ids: positions in the kernel's ``__BPF_FUNC_MAPPER`` list (bpf.h)."""

    MAP_LOOKUP_ELEM = 1
    MAP_UPDATE_ELEM = 2
    MAP_DELETE_ELEM = 3
    PROBE_READ = 4
    KTIME_GET_NS = 5
    TRACE_PRINTK = 6
    GET_PRANDOM_U32 = 7
    GET_SMP_PROCESSOR_ID = 8
    GET_CURRENT_PID_TGID = 14
    GET_CURRENT_UID_GID = 15
    GET_CURRENT_COMM = 16
    PERF_EVENT_OUTPUT = 25
    GET_STACKID = 27
    GET_CURRENT_TASK = 35
    PROBE_READ_STR = 45
    GET_STACK = 67
    PROBE_READ_USER = 112
    PROBE_READ_KERNEL = 113
    PROBE_READ_USER_STR = 114
    PROBE_READ_KERNEL_STR = 115
    KTIME_GET_BOOT_NS = 125
    RINGBUF_OUTPUT = 130
    RINGBUF_RESERVE = 131
    RINGBUF_SUBMIT = 132
    RINGBUF_DISCARD = 133
    RINGBUF_QUERY = 134


@dataclass(frozen=True, slots=True)
class Reg:
    """One of the eleven registers: R0 results, R1-R5 arguments, R6-R9 kept across calls, R10 the frame."""

    n: int

    def __str__(self) -> str:
        return f"r{self.n}"


R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 = (Reg(n) for n in range(11))


class MapLike(Protocol):
    """Anything with a map file descriptor (bpf.BpfMap)."""

    fd: int


@dataclass(slots=True)
class _Insn:
    """One instruction before its jump target is known: ``target`` is a label name for jumps."""

    code: int
    dst: int
    src: int
    off: int
    imm: int
    text: str
    target: str | None = None
    wide: int | None = None  # ld_imm64: the upper 32 bits, in the second slot


def _imm32(value: int, wrap: bool) -> int:
    """``value`` as the s32 the instruction holds; a 32-bit operation may give it unsigned."""
    if wrap and 1 << 31 <= value < 1 << 32:
        return value - (1 << 32)
    if not -(1 << 31) <= value < 1 << 31:
        raise ValueError(f"immediate {value:#x} does not fit in 32 bits (use ld_imm64)")
    return value


def _off16(value: int) -> int:
    if not -(1 << 15) <= value < 1 << 15:
        raise ValueError(f"offset {value} does not fit in 16 bits")
    return value


def _reg(value: object) -> Reg:
    if not isinstance(value, Reg):
        raise TypeError(f"a register is needed here, not {value!r}")
    return value


class Program:
    """An eBPF program being written: each method appends one instruction (ld_* two slots)."""

    def __init__(self) -> None:
        self._insns: list[_Insn] = []
        self._labels: dict[str, int] = {}  # label -> slot index
        self._duplicates: list[str] = []
        self._notes: dict[int, list[str]] = {}  # slot index -> comments and labels shown before it
        self._slots = 0

    def __len__(self) -> int:
        """Instruction slots so far (ld_imm64 counts two, as the kernel counts)."""
        return self._slots

    def _emit(self, insn: _Insn) -> Program:
        self._insns.append(insn)
        self._slots += 2 if insn.wide is not None else 1
        return self

    # ---- ALU ----------------------------------------------------------------------------

    def _alu(self, op: str, dst: Reg, src: Reg | int, cls: int) -> Program:
        dst = _reg(dst)
        bits = "" if cls == ALU64 else "w"  # the kernel's listing writes 32-bit registers as wN
        name = f"{bits or 'r'}{dst.n}"
        if isinstance(src, Reg):
            text = f"{name} {_OP_SYMBOLS[op]} {bits or 'r'}{src.n}"
            return self._emit(_Insn(cls | _ALU_OPS[op] | X, dst.n, src.n, 0, 0, text))
        imm = _imm32(src, wrap=cls == ALU)
        return self._emit(_Insn(cls | _ALU_OPS[op] | K, dst.n, 0, 0, imm, f"{name} {_OP_SYMBOLS[op]} {src}"))

    def mov(self, dst: Reg, src: Reg | int) -> Program:
        """dst = src (64 bits; an immediate is sign-extended from 32)."""
        return self._alu("mov", dst, src, ALU64)

    def add(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("add", dst, src, ALU64)

    def sub(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("sub", dst, src, ALU64)

    def mul(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("mul", dst, src, ALU64)

    def div(self, dst: Reg, src: Reg | int) -> Program:
        """dst /= src, unsigned (the kernel gives 0 for a division by zero)."""
        return self._alu("div", dst, src, ALU64)

    def mod(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("mod", dst, src, ALU64)

    def and_(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("and", dst, src, ALU64)

    def or_(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("or", dst, src, ALU64)

    def xor(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("xor", dst, src, ALU64)

    def lsh(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("lsh", dst, src, ALU64)

    def rsh(self, dst: Reg, src: Reg | int) -> Program:
        """dst >>= src, logical."""
        return self._alu("rsh", dst, src, ALU64)

    def arsh(self, dst: Reg, src: Reg | int) -> Program:
        """dst >>= src, arithmetic (the sign bit is copied in)."""
        return self._alu("arsh", dst, src, ALU64)

    def neg(self, dst: Reg) -> Program:
        dst = _reg(dst)
        return self._emit(_Insn(ALU64 | _ALU_OPS["neg"] | K, dst.n, 0, 0, 0, f"r{dst.n} = -r{dst.n}"))

    def mov32(self, dst: Reg, src: Reg | int) -> Program:
        """dst = (u32) src: the upper 32 bits of dst become zero."""
        return self._alu("mov", dst, src, ALU)

    def add32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("add", dst, src, ALU)

    def sub32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("sub", dst, src, ALU)

    def and32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("and", dst, src, ALU)

    def or32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("or", dst, src, ALU)

    def lsh32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("lsh", dst, src, ALU)

    def rsh32(self, dst: Reg, src: Reg | int) -> Program:
        return self._alu("rsh", dst, src, ALU)

    # ---- memory -------------------------------------------------------------------------

    def ldx(self, size: int, dst: Reg, src: Reg, off: int) -> Program:
        """dst = *(size *)(src + off)."""
        dst, src = _reg(dst), _reg(src)
        text = f"r{dst.n} = *({_SIZE_NAMES[size]} *)(r{src.n} {off:+d})"
        return self._emit(_Insn(LDX | MEM | size, dst.n, src.n, _off16(off), 0, text))

    def stx(self, size: int, dst: Reg, off: int, src: Reg) -> Program:
        """*(size *)(dst + off) = src."""
        dst, src = _reg(dst), _reg(src)
        text = f"*({_SIZE_NAMES[size]} *)(r{dst.n} {off:+d}) = r{src.n}"
        return self._emit(_Insn(STX | MEM | size, dst.n, src.n, _off16(off), 0, text))

    def st(self, size: int, dst: Reg, off: int, imm: int) -> Program:
        """*(size *)(dst + off) = imm."""
        dst = _reg(dst)
        text = f"*({_SIZE_NAMES[size]} *)(r{dst.n} {off:+d}) = {imm}"
        return self._emit(_Insn(ST | MEM | size, dst.n, 0, _off16(off), _imm32(imm, wrap=size != DW), text))

    def atomic_add(self, size: int, dst: Reg, off: int, src: Reg) -> Program:
        """*(size *)(dst + off) += src, atomically (W or DW): a counter other CPUs update too."""
        dst, src = _reg(dst), _reg(src)
        if size not in (W, DW):
            raise ValueError("atomic_add works on W or DW")
        text = f"lock *({_SIZE_NAMES[size]} *)(r{dst.n} {off:+d}) += r{src.n}"
        return self._emit(_Insn(STX | ATOMIC | size, dst.n, src.n, _off16(off), _ALU_OPS["add"], text))

    def ld_imm64(self, dst: Reg, imm: int) -> Program:
        """dst = a 64-bit constant (two slots: the low 32 bits, then the high 32)."""
        dst = _reg(dst)
        if not -(1 << 63) <= imm < 1 << 64:
            raise ValueError(f"immediate {imm:#x} does not fit in 64 bits")
        imm &= (1 << 64) - 1
        low, high = imm & 0xFFFFFFFF, imm >> 32
        return self._emit(_Insn(LD | IMM | DW, dst.n, 0, 0, _imm32(low, wrap=True), f"r{dst.n} = {imm:#x} ll",
                                wide=_imm32(high, wrap=True)))

    def ld_map(self, dst: Reg, bpf_map: MapLike | int) -> Program:
        """dst = the address of a map, given its fd (the kernel rewrites BPF_PSEUDO_MAP_FD when loading)."""
        dst = _reg(dst)
        fd = bpf_map if isinstance(bpf_map, int) else bpf_map.fd
        name = getattr(bpf_map, "name", "") or f"fd {fd}"
        text = f"r{dst.n} = map[{name}] ll"
        return self._emit(_Insn(LD | IMM | DW, dst.n, PSEUDO_MAP_FD, 0, fd, text, wide=0))

    # ---- control ------------------------------------------------------------------------

    def call(self, helper_id: int) -> Program:
        """Call a helper: arguments in R1-R5, result in R0; R1-R5 are clobbered."""
        names = {v: k.lower() for k, v in vars(Helper).items() if isinstance(v, int)}
        return self._emit(_Insn(JMP | CALL, 0, 0, 0, helper_id, f"call {names.get(helper_id, helper_id)}"))

    def exit(self) -> Program:
        """Return R0."""
        return self._emit(_Insn(JMP | EXIT, 0, 0, 0, 0, "exit"))

    def jmp(self, op: str, dst: Reg, src: Reg | int, label: str) -> Program:
        """if (dst op src) goto label: == != > >= < <= (unsigned), s> s>= s< s<= (signed), & (any bit)."""
        return self._jump(JMP, op, dst, src, label)

    def jmp32(self, op: str, dst: Reg, src: Reg | int, label: str) -> Program:
        """As jmp, comparing the lower 32 bits only."""
        return self._jump(JMP32, op, dst, src, label)

    def _jump(self, cls: int, op: str, dst: Reg, src: Reg | int, label: str) -> Program:
        if op not in JUMPS:
            raise ValueError(f"unknown jump comparison {op!r}")
        dst = _reg(dst)
        r = "w" if cls == JMP32 else "r"
        if isinstance(src, Reg):
            text = f"if {r}{dst.n} {op} {r}{src.n} goto {label}"
            return self._emit(_Insn(cls | JUMPS[op] | X, dst.n, src.n, 0, 0, text, target=label))
        text = f"if {r}{dst.n} {op} {src} goto {label}"
        return self._emit(_Insn(cls | JUMPS[op] | K, dst.n, 0, 0, _imm32(src, wrap=cls == JMP32), text,
                                target=label))

    def ja(self, label: str) -> Program:
        """goto label."""
        return self._emit(_Insn(JMP | JA, 0, 0, 0, 0, f"goto {label}", target=label))

    def label(self, name: str) -> Program:
        """Name the position of the next instruction."""
        if name in self._labels:
            self._duplicates.append(name)
        self._labels[name] = self._slots
        self._notes.setdefault(self._slots, []).append(f"{name}:")
        return self

    def comment(self, text: str) -> Program:
        """A comment shown before the next instruction in listing(); emits nothing."""
        self._notes.setdefault(self._slots, []).append(f"    ; {text}")
        return self

    # ---- output -------------------------------------------------------------------------

    def assemble(self) -> bytes:
        """The program as the kernel loads it; an unknown label or one named twice: ValueError."""
        if self._duplicates:
            raise ValueError(f"label {self._duplicates[0]!r} is defined twice")
        out = bytearray()
        slot = 0
        for insn in self._insns:
            off = insn.off
            if insn.target is not None:
                if insn.target not in self._labels:
                    raise ValueError(f"jump to an unknown label {insn.target!r}")
                off = _off16(self._labels[insn.target] - (slot + 1))  # relative to the next instruction
            out += _INSN.pack(insn.code, insn.dst | insn.src << 4, off, insn.imm)
            slot += 1
            if insn.wide is not None:
                out += _INSN.pack(0, 0, 0, insn.wide)
                slot += 1
        return bytes(out)

    def listing(self) -> str:
        """One line per instruction (slot number, then kernel-style text), labels and comments before."""
        lines: list[str] = []
        slot = 0
        for insn in self._insns:
            lines.extend(self._notes.get(slot, ()))
            lines.append(f"{slot:4d}: {insn.text}")
            slot += 2 if insn.wide is not None else 1
        lines.extend(self._notes.get(slot, ()))
        return "\n".join(lines)
