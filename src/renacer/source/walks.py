"""Remembered stack walks: a syscall made again from the same place costs no CFI steps.

A walk's result follows from the pc and sp it starts at, the registers it reads before
overwriting them, and the stack words it reads. A ``Trail`` records those while the unwinder
walks; a ``Walk`` keeps them with the result, and checks them all with one memory read.
Only walks of plain CFI steps (CFA = register + offset, registers saved at CFA + N) are
recorded: anything else (expressions, signal frames, frame-pointer guesses) is walked again.
"""

from __future__ import annotations

import struct

from ..events import StackFrame
from ..syscalls.base import MemoryReader
from .cfi import OFFSET, Row
from .registers import RegisterSet
from .stackmem import MASK, read

SPAN = 1 << 16  # a walk whose saved words lie further apart than this is not remembered
Result = tuple[tuple[StackFrame, ...], str]


class Walk:
    """A finished walk and all it depended on: the registers it read and the stack words it read.

    The same pc and sp, the same values in those registers and the same words at those addresses
    make every step take the same CFI row to the same caller, so the walk's result is the same.
    """

    __slots__ = ("regs", "lo", "size", "layout", "words", "result")

    def __init__(self, regs: tuple[tuple[int, int], ...], words: dict[int, int], result: Result) -> None:
        self.regs, self.result = regs, result
        addrs = sorted(words)
        self.lo = addrs[0] if addrs else 0
        self.size = addrs[-1] + 8 - self.lo if addrs else 0
        gaps = "".join(f"{addr - prev - 8}xQ" if addr - prev > 8 else "Q"
                       for prev, addr in zip([self.lo - 8, *addrs], addrs, strict=False))
        self.layout = struct.Struct("<" + gaps)  # unpacks just the words read, from one read of the span
        self.words = tuple(words[addr] for addr in addrs)

    def holds(self, regs: dict[int, int], memory: MemoryReader) -> bool:
        """Whether a task with these registers (and the key's pc and sp) would walk the same way."""
        for reg, value in self.regs:
            if regs.get(reg) != value:
                return False
        if not self.size:
            return True
        data = read(memory, self.lo, self.size)
        return data is not None and len(data) == self.size and self.layout.unpack(data) == self.words


class Trail:
    """What a walk has depended on so far; not ``ok`` after a step it cannot tell that of.

    Only what steers the walk is a dependency: the return addresses (each becomes the next
    pc) and the values of the registers a row computes its CFA from. A saved register that
    no later row uses (a loop counter pushed in a prologue) may change freely: the walk, and
    so its result, is the same whatever it holds.
    """

    __slots__ = ("ok", "origin", "regs", "words")

    def __init__(self, regs: dict[int, int]) -> None:
        self.ok = True
        # where each register's current value came from: absent, the stopped task's own register;
        # an address, the stack word it was restored from; None, computed from dependencies already
        self.origin: dict[int, int | None] = {}
        self.regs: dict[int, int] = {}
        self.words: dict[int, int] = {}

    def step(self, row: Row, regs: dict[int, int], new: dict[int, int], R: RegisterSet,
             leaf: bool = False) -> bool:
        """Record a plain CFI step (CFA = register + offset, registers saved at CFA + N); ``leaf``:
        the return address is the return-address register's own value (aarch64's link register)."""
        saved = row.saved if not leaf else _leaf_saved(row)
        if saved is None or row.cfa_reg < 0:
            return False
        base = row.cfa_reg
        self._depend(base, regs)
        if leaf:
            self._depend(row.ra, regs)  # the next pc: always steers the walk
        cfa = (regs[base] + row.cfa_offset) & MASK
        ra = None
        for reg, off in saved:
            if reg not in new:
                return False  # an unreadable word: not remembered
            self.origin[reg] = (cfa + off) & MASK
            if reg == row.ra:
                ra = self.origin[reg]
        if ra is not None:
            self.words[ra] = new[row.ra]  # the next pc: always steers the walk
        elif not leaf:
            return False  # the return address is not saved by this row: not a plain step
        self.origin[R.sp] = self.origin[R.pc] = None
        return True

    def _depend(self, reg: int, regs: dict[int, int]) -> None:
        """The walk depends on ``reg``'s current value: on the task's register or the word it came from."""
        if reg not in self.origin:
            self.regs[reg] = regs[reg]
        elif self.origin[reg] is not None:
            self.words[self.origin[reg]] = regs[reg]  # type: ignore[index]

    def walk(self, result: Result, R: RegisterSet) -> Walk | None:
        regs = tuple((reg, value) for reg, value in self.regs.items() if reg not in (R.pc, R.sp))
        if self.words and max(self.words) - min(self.words) > SPAN:
            return None
        return Walk(regs, self.words, result)


def _leaf_saved(row: Row) -> tuple[tuple[int, int], ...] | None:
    """A leaf's row as (register, CFA offset) pairs when every rule is an offset (none for the
    return address), else None."""
    if row.cfa_expr or any(kind != OFFSET for _, kind, _ in row.rules):
        return None
    return tuple((reg, off) for reg, _, off in row.rules)  # type: ignore[misc]
