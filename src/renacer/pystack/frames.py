"""Walking a CPython thread's frames in a stopped process's memory, innermost first.

3.10 links PyFrameObjects by ``f_back`` and counts ``f_lasti`` in 2-byte code units; 3.11+
link _PyInterpreterFrames by ``previous``, with a pointer to the last (3.11, 3.12) or current
(3.13) instruction — during a call, both are the CALL. 3.12+ put shim frames owned by the C
stack between evaluation loops; frames that have not reached their first traceable
instruction are left out, as ``sys._getframe`` leaves them out. Memory may be garbage: a walk
is bounded, stops at a cycle or a bad read, and returns what it could read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .objects import PAGE, USER_END, Code, CodeReader, PageCache
from .offsets import PyOffsets

MAX_FRAMES = 1024
_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class Walked:
    """What one walk read: the frames' addresses (C-stack shims too), outermost last, and the code
    objects', each once."""

    frames: tuple[int, ...]
    codes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PyFrame:
    """One Python frame: the code's file and qualified name, and the line it is at."""

    filename: str  # co_filename as the interpreter has it
    qualname: str  # co_qualname (3.11+), co_name on 3.10
    line: int  # 0 when unknown
    firstlineno: int = 0  # the code object's first line
    inlined: bool = False  # run by the same evaluation-loop call as the frame after it (its caller)


def picks(spec: list[tuple[int, str]]) -> tuple[str, int]:
    """The struct format (no byte-order prefix) of fields at (offset, format code), in offset order
    with padding between them, and the bytes it spans from offset 0."""
    fmt, at = "", 0
    for offset, code in sorted(spec):
        fmt += (f"{offset - at}x" if offset > at else "") + code
        at = offset + struct.calcsize("<" + code)
    return fmt, at


class FrameWalker:
    """Reads the frame chain of one process's threads."""

    def __init__(self, version: tuple[int, int, int], offsets: PyOffsets, code_type: int | None) -> None:
        o = self.o = offsets
        self.codes = CodeReader(version, offsets, code_type)
        self.modern = version >= (3, 11)
        if self.modern:
            spec = [(o.frame_previous, "Q"), (o.frame_code, "Q"), (o.frame_instr, "Q"), (o.frame_owner, "B")]
            if o.frame_is_entry >= 0:  # 3.11 flags the first frame of each evaluation-loop call
                spec.append((o.frame_is_entry, "B"))
        else:
            spec = [(o.f_back, "Q"), (o.f_code, "Q"), (o.f_lasti, "i")]
        self.layout = struct.Struct("<" + picks(spec)[0])
        # where each of (previous, code, instruction[, owner[, is_entry]]) lands in the unpacked tuple
        order = sorted(range(len(spec)), key=lambda i: spec[i][0])
        self.picks = tuple(order.index(i) for i in range(len(spec)))

    def walk(self, memory: PageCache, frame: int) -> tuple[tuple[PyFrame, ...], Walked | None]:
        """The frames from ``frame`` outwards (at most MAX_FRAMES; a cycle or bad read ends the walk),
        and what they were read from when it ended at the outermost frame and every code object made
        sense (a stack that can be remembered), else None."""
        chain, read, ended = self._chain(memory, frame)
        codes = [fields[0] for fields in chain]
        memory.fetch(codes, self.codes.header)
        frames, whole = self._modern(memory, chain) if self.modern else self._legacy(memory, chain)
        return frames, (Walked(tuple(read), tuple(dict.fromkeys(codes))) if ended and whole else None)

    def _chain(self, memory: PageCache, frame: int) -> tuple[list[tuple[int, ...]], list[int], bool]:
        """The frames' (code, instruction, owner, entry) fields, C-stack shims left out; the addresses
        of every frame read, shims too; whether the chain ended at its outermost frame.

        ``entry``: the frame is the first an evaluation-loop call ran, the frames before it back to
        the last entry ran in the same call (3.10: every frame has its own call; 3.11 flags entry
        frames; 3.12+ put a C-stack shim before each).
        """
        chain: list[tuple[int, ...]] = []
        read: list[int] = []
        seen: set[int] = set()
        size, unpack, unpack_from = self.layout.size, self.layout.unpack, self.layout.unpack_from
        p_prev, p_code, p_instr, p_owner, p_entry = (*self.picks, -1, -1)[:5]  # -1: not in this version
        cstack = self.o.owned_by_cstack if self.modern else -2
        every = not self.modern
        while 4096 <= frame < USER_END and not frame & 7 and frame not in seen and len(seen) < MAX_FRAMES:
            seen.add(frame)
            at = frame & (PAGE - 1)
            page = memory.page(frame - at) if at + size <= PAGE else None
            if page is not None and len(page) >= at + size:
                fields = unpack_from(page, at)
            else:  # across pages, or a short page
                block = memory.read(frame, size)
                if block is None or len(block) < size:
                    return chain, read, False
                fields = unpack(block)
            read.append(frame)
            frame = fields[p_prev]
            owner = fields[p_owner] if p_owner >= 0 else -1
            if owner == cstack:  # the shim a C call into the evaluation loop pushes
                if chain:
                    chain[-1] = (*chain[-1][:3], True)
                continue
            entry = every or p_entry >= 0 and fields[p_entry] != 0
            chain.append((fields[p_code], fields[p_instr], owner, entry))
        if chain:
            chain[-1] = (*chain[-1][:3], True)  # the outermost frame: some call ran it
        return chain, read, frame == 0

    def _modern(self, memory: PageCache, chain: list[tuple[int, ...]]) -> tuple[tuple[PyFrame, ...], bool]:
        out = []
        whole = True
        generator, code_at = self.o.owned_by_generator, self.codes.code
        checked: dict[int, Code | None] = {}  # within one walk a code object is checked once
        for code_addr, instr, owner, entry in chain:
            code = checked.get(code_addr, _UNSEEN)
            if code is _UNSEEN:
                code = checked[code_addr] = code_at(memory, code_addr)
            if code is None:
                whole = False
                continue
            if instr < code.first_traceable and owner != generator:
                continue  # not started yet: sys._getframe does not show it either
            key = (instr - code.bytecode) << 1 | (not entry)
            found = code.frames.get(key)
            if found is None:
                found = code.frames[key] = self._frame(code, instr - code.bytecode, not entry)
            out.append(found)
        return tuple(out), whole

    def _legacy(self, memory: PageCache, chain: list[tuple[int, ...]]) -> tuple[tuple[PyFrame, ...], bool]:
        out = []
        whole = True
        code_at = self.codes.code
        checked: dict[int, Code | None] = {}
        for code_addr, lasti, _, _ in chain:
            code = checked.get(code_addr, _UNSEEN)
            if code is _UNSEEN:
                code = checked[code_addr] = code_at(memory, code_addr)
            if code is None:
                whole = False
                continue
            found = code.frames.get(lasti)
            if found is None:
                # f_lasti counts code units; before the first one CPython reports the first line
                found = self._frame(code, 2 * lasti) if lasti >= 0 else \
                    PyFrame(code.filename, code.qualname, code.firstlineno, code.firstlineno)
                code.frames[lasti] = found
            out.append(found)
        return tuple(out), whole

    @staticmethod
    def _frame(code, offset: int, inlined: bool = False) -> PyFrame:
        line = code.table.line_at(offset) if code.table is not None and offset >= 0 else None
        return PyFrame(code.filename, code.qualname, line or 0, code.firstlineno, inlined)
