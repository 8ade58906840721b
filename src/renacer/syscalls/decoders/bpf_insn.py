"""BPF instructions as strace prints them: classic (seccomp filters) and extended (bpf PROG_LOAD)."""

from __future__ import annotations

from ..base import hexnum, noted_value_text
from ..xlat import Xlat
from ..xlat.bpf import (
    BPF_ALU_OPS,
    BPF_CLASSES,
    BPF_JMP_OPS,
    BPF_MISCOP,
    BPF_MODES,
    BPF_REGS,
    BPF_RVAL,
    BPF_SIZES,
    BPF_SRC,
    EBPF_CLASSES,
)
from ..xlat.misc import SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ACTIONS

BPF_ALU, BPF_JMP, BPF_RET, BPF_MISC = 4, 5, 6, 7
EBPF_JMP32, EBPF_ALU64 = 6, 7
_UNKNOWN = "BPF_???"


def _field(table: Xlat, value: int) -> str:
    return noted_value_text(table, value, _UNKNOWN)


def _rest(code: int, handled: int) -> str:
    """Bits of the code no field explains, as strace appends them: ``|0xff00 /* BPF_??? */``."""
    rest = code & ~handled
    return f"|{rest:#x} /* {_UNKNOWN} */" if rest else ""


def _load_store(code: int) -> str:
    return f"|{_field(BPF_SIZES, code & 0x18)}|{_field(BPF_MODES, code & 0xE0)}"


def _arith(code: int, ops: Xlat) -> str:
    return f"|{_field(BPF_SRC, code & 0x08)}|{_field(ops, code & 0xF0)}"


def classic_code(code: int) -> str:
    """A classic BPF opcode: ``BPF_LD|BPF_W|BPF_ABS``, ``BPF_RET|BPF_K``, ``BPF_MISC|BPF_TAX``."""
    cls = code & 7
    text = BPF_CLASSES.value(cls)
    if cls in (0, 1):
        return text + _load_store(code) + _rest(code, 0xFF)
    if cls == BPF_ALU:
        return text + _arith(code, BPF_ALU_OPS) + _rest(code, 0xFF)
    if cls == BPF_JMP:
        return text + _arith(code, BPF_JMP_OPS) + _rest(code, 0xFF)
    if cls == BPF_RET:
        return text + "|" + _field(BPF_RVAL, code & 0x18) + _rest(code, 0x1F)
    if cls == BPF_MISC:
        return text + "|" + _field(BPF_MISCOP, code & 0xF8) + _rest(code, 0xFF)
    return text + _rest(code, 0x07)  # BPF_ST, BPF_STX: the class says it all


def seccomp_action(k: int, exact: bool = False) -> str:
    """A seccomp return value: ``SECCOMP_RET_ERRNO|0x1``; ``exact`` names only whole actions."""
    if exact:
        return noted_value_text(SECCOMP_RET_ACTIONS, k, "SECCOMP_RET_???")
    action, data = k & SECCOMP_RET_ACTION_FULL, k & ~SECCOMP_RET_ACTION_FULL
    text = noted_value_text(SECCOMP_RET_ACTIONS, action, "SECCOMP_RET_???")
    return f"{text}|{data:#x}" if data else text


def classic_insn(t: tuple[int, ...]) -> str:
    """A struct sock_filter: ``BPF_STMT(code, k)``, or ``BPF_JUMP(code, k, jt, jf)`` when it jumps."""
    code, jt, jf, k = t
    k_text = seccomp_action(k) if code & 7 == BPF_RET else hexnum(k)
    if jt or jf:
        return f"BPF_JUMP({classic_code(code)}, {k_text}, {hexnum(jt)}, {hexnum(jf)})"
    return f"BPF_STMT({classic_code(code)}, {k_text})"


def ebpf_code(code: int) -> str:
    """An extended BPF opcode: ``BPF_ALU64|BPF_K|BPF_MOV``, ``BPF_JMP|BPF_K|BPF_EXIT``."""
    cls = code & 7
    text = EBPF_CLASSES.value(cls)
    if cls in (BPF_ALU, EBPF_ALU64):
        return text + _arith(code, BPF_ALU_OPS)
    if cls in (BPF_JMP, EBPF_JMP32):
        return text + _arith(code, BPF_JMP_OPS)
    return text + _load_store(code)


def ebpf_insn(t: tuple[int, ...]) -> str:
    """A struct bpf_insn (format ``<BBhi``): ``{code=..., dst_reg=BPF_REG_0, ..., imm=0}``."""
    code, regs, off, imm = t
    dst = noted_value_text(BPF_REGS, regs & 0xF, "BPF_REG_???")
    src = noted_value_text(BPF_REGS, regs >> 4, "BPF_REG_???")
    return (f"{{code={ebpf_code(code)}, dst_reg={dst}, src_reg={src}, off={off}, "
            f"imm={hexnum(imm & 0xFFFFFFFF)}}}")
