"""DWARF expressions (DWARF 5, 2.5) as call-frame rules use them: a bounded stack machine.

Covers the operations real unwind tables contain (glibc's PLT and signal-trampoline rules,
compilers' stack-realignment rules): constants, register-relative values, arithmetic, logic,
comparisons, branches and memory dereference. Anything else makes the result None.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

_MASK = (1 << 64) - 1
_SIGN = 1 << 63
MAX_STEPS = 512  # operations executed per evaluation: branches cannot loop forever
MAX_STACK = 64

_CONST = {  # DW_OP_const*: (size, signed)
    0x08: (1, False), 0x09: (1, True), 0x0A: (2, False), 0x0B: (2, True),
    0x0C: (4, False), 0x0D: (4, True), 0x0E: (8, False), 0x0F: (8, True),
}


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 at ``pos``: (value, next position); IndexError past the end."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise IndexError("LEB128 too long")


def read_sleb(data: bytes, pos: int) -> tuple[int, int]:
    """A signed LEB128 at ``pos``: (value, next position); IndexError past the end."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return (result - (1 << shift) if byte & 0x40 else result), pos
        if shift > 70:
            raise IndexError("LEB128 too long")


def _signed(v: int) -> int:
    return v - (1 << 64) if v & _SIGN else v


def _binary(op: int, a: int, b: int) -> int | None:
    """DW_OP_and..xor and the comparisons: ``a`` is the second entry, ``b`` the top."""
    sa, sb = _signed(a), _signed(b)
    if op == 0x1A:
        return a & b
    if op == 0x1B:
        return None if sb == 0 else int(sa / sb)  # DW_OP_div: signed, truncating
    if op == 0x1C:
        return a - b
    if op == 0x1D:
        return None if b == 0 else a % b
    if op == 0x1E:
        return a * b
    if op == 0x21:
        return a | b
    if op == 0x22:
        return a + b
    if op == 0x24:
        return a << b if b < 64 else 0
    if op == 0x25:
        return a >> b if b < 64 else 0
    if op == 0x26:
        return sa >> min(b, 63)
    if op == 0x27:
        return a ^ b
    compare = {0x29: sa == sb, 0x2A: sa >= sb, 0x2B: sa > sb, 0x2C: sa <= sb, 0x2D: sa < sb, 0x2E: sa != sb}
    return int(compare[op]) if op in compare else None


def evaluate(expr: bytes, regs: dict[int, int], read_word: Callable[[int], int | None],
             push: int | None = None) -> int | None:
    """The value an expression computes (64-bit), or None if it uses anything unsupported or fails.

    ``push`` is put on the stack first (the CFA, for DW_CFA_expression and val_expression).
    """
    stack: list[int] = [] if push is None else [push & _MASK]
    pos, steps, n = 0, 0, len(expr)
    try:
        while pos < n:
            steps += 1
            if steps > MAX_STEPS or len(stack) > MAX_STACK:
                return None
            op = expr[pos]
            pos += 1
            if 0x30 <= op <= 0x4F:  # DW_OP_lit0..31
                stack.append(op - 0x30)
            elif 0x70 <= op <= 0x8F or op == 0x92:  # DW_OP_breg0..31, DW_OP_bregx
                if op == 0x92:
                    reg, pos = read_uleb(expr, pos)
                else:
                    reg = op - 0x70
                off, pos = read_sleb(expr, pos)
                if reg not in regs:
                    return None
                stack.append((regs[reg] + off) & _MASK)
            elif op in _CONST:
                size, signed = _CONST[op]
                if pos + size > n:
                    return None
                stack.append(int.from_bytes(expr[pos : pos + size], "little", signed=signed) & _MASK)
                pos += size
            elif op == 0x03:  # DW_OP_addr (a link-time address: only meaningful unrelocated)
                if pos + 8 > n:
                    return None
                stack.append(int.from_bytes(expr[pos : pos + 8], "little"))
                pos += 8
            elif op == 0x10:  # DW_OP_constu
                value, pos = read_uleb(expr, pos)
                stack.append(value & _MASK)
            elif op == 0x11:  # DW_OP_consts
                value, pos = read_sleb(expr, pos)
                stack.append(value & _MASK)
            elif op == 0x06:  # DW_OP_deref
                word = read_word(stack.pop())
                if word is None:
                    return None
                stack.append(word)
            elif op == 0x94:  # DW_OP_deref_size
                size = expr[pos]
                pos += 1
                word = read_word(stack.pop())
                if word is None or not 1 <= size <= 8:
                    return None
                stack.append(word & ((1 << (8 * size)) - 1))
            elif op == 0x12:  # dup
                stack.append(stack[-1])
            elif op == 0x13:  # drop
                stack.pop()
            elif op == 0x14:  # over
                stack.append(stack[-2])
            elif op == 0x15:  # pick
                stack.append(stack[-1 - expr[pos]])
                pos += 1
            elif op == 0x16:  # swap
                stack[-1], stack[-2] = stack[-2], stack[-1]
            elif op == 0x17:  # rot
                stack[-1], stack[-2], stack[-3] = stack[-2], stack[-3], stack[-1]
            elif op == 0x19:  # abs
                stack.append(abs(_signed(stack.pop())) & _MASK)
            elif op == 0x1F:  # neg
                stack.append(-stack.pop() & _MASK)
            elif op == 0x20:  # not
                stack.append(~stack.pop() & _MASK)
            elif op == 0x23:  # plus_uconst
                value, pos = read_uleb(expr, pos)
                stack.append((stack.pop() + value) & _MASK)
            elif op in (0x2F, 0x28):  # skip, bra
                delta = struct.unpack_from("<h", expr, pos)[0]
                pos += 2
                if op == 0x2F or stack.pop() != 0:
                    pos += delta
                    if not 0 <= pos <= n:
                        return None
            elif op == 0x96:  # nop
                pass
            else:
                if len(stack) < 2:
                    return None
                b, a = stack.pop(), stack.pop()
                value = _binary(op, a, b)
                if value is None:
                    return None  # an unknown operation or a division by zero
                stack.append(value & _MASK)
    except (IndexError, struct.error):
        return None
    return stack[-1] if stack else None
