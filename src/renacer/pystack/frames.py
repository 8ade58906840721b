"""Walking a CPython thread's frames in a stopped process's memory: code objects, names and lines.

3.10 links PyFrameObjects by ``f_back`` and counts ``f_lasti`` in code units; 3.11+ link
_PyInterpreterFrames by ``previous``, with a pointer to the last (3.11, 3.12) or current
(3.13) instruction. 3.12+ put shim frames owned by the C stack between evaluation loops;
frames that have not reached their first traceable instruction are left out, as
``sys._getframe`` leaves them out. Memory may be garbage: every read can fail or lie, so a
walk is bounded, detects cycles and returns what it could read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..syscalls.base import MemoryReader
from .linetable import LineTable
from .offsets import PyOffsets

MAX_FRAMES = 1024
MAX_STRING = 1024  # characters of a file or function name read at most
MAX_LINETABLE = 1 << 20
CODE_CAPACITY = 8192  # code objects remembered per process
_USER_END = 1 << 47  # x86_64 user space: anything above is not a pointer into the process
_Q = struct.Struct("<Q")
_I = struct.Struct("<I")
_i = struct.Struct("<i")
_q = struct.Struct("<q")


@dataclass(frozen=True, slots=True)
class PyFrame:
    """One Python frame: the code's file and qualified name, and the line it is at."""

    filename: str  # co_filename as the interpreter has it
    qualname: str  # co_qualname (3.11+), co_name on 3.10
    line: int  # 0 when unknown
    firstlineno: int = 0  # the code object's first line


def pointer(value: int) -> bool:
    """Whether ``value`` can be the address of an object in a user-space process."""
    return 4096 <= value < _USER_END and not value & 7


@dataclass(slots=True)
class _Code:
    """A decoded code object and the header words that must still hold for it to be reused."""

    identity: tuple[int, ...]
    filename: str
    qualname: str
    firstlineno: int
    table: LineTable | None


class CodeReader:
    """Decodes code objects of one process (by address, re-validated on every use) and their strings."""

    def __init__(self, version: tuple[int, int, int], offsets: PyOffsets, code_type: int | None) -> None:
        self.version = version[:2]
        self.o = offsets
        self.code_type = code_type  # &PyCode_Type in the process, when known
        self.modern = version >= (3, 11)
        self.name_at = offsets.co_qualname if self.modern else offsets.co_name
        self.bytecode = offsets.co_code_adaptive if self.modern else -1
        self.header = max(offsets.co_filename, self.name_at, offsets.co_linetable, offsets.co_firstlineno,
                          offsets.co_firsttraceable, offsets.ob_type) + 8
        self._codes: dict[int, _Code] = {}

    def code(self, memory: MemoryReader, addr: int) -> tuple[_Code, int, int] | None:
        """The code object at ``addr``, the address of its bytecode (3.11+) and of its first traceable
        instruction (3.11+; frames before it are incomplete)."""
        if not pointer(addr):
            return None
        o = self.o
        head = memory.read(addr, self.header)
        if not head or len(head) < self.header:
            return None
        ob_type = _Q.unpack_from(head, o.ob_type)[0]
        if self.code_type is not None and ob_type != self.code_type:
            return None  # not a code object (3.13: f_executable may be None)
        identity = (ob_type, _Q.unpack_from(head, o.co_filename)[0], _Q.unpack_from(head, self.name_at)[0],
                    _Q.unpack_from(head, o.co_linetable)[0], _i.unpack_from(head, o.co_firstlineno)[0])
        start = addr + self.bytecode if self.modern else 0
        first = start + 2 * _i.unpack_from(head, o.co_firsttraceable)[0] if self.modern else 0
        known = self._codes.get(addr)
        if known is None or known.identity != identity:
            known = self._decode(memory, identity)
            if known is None:
                return None
            if len(self._codes) >= CODE_CAPACITY:
                self._codes.clear()  # a process churning code objects: start over rather than grow
            self._codes[addr] = known
        return known, start, first

    def _decode(self, memory: MemoryReader, identity: tuple[int, ...]) -> _Code | None:
        _, filename_at, name_at, table_at, firstlineno = identity
        filename = self.string(memory, filename_at)
        name = self.string(memory, name_at)
        if filename is None or name is None:
            return None
        raw = self.bytes(memory, table_at)
        table = LineTable.decode(self.version, raw, firstlineno) if raw is not None else None
        return _Code(identity, filename, name, firstlineno, table)

    def string(self, memory: MemoryReader, addr: int) -> str | None:
        """The text of a compact str object at ``addr`` (at most MAX_STRING characters), or None."""
        if not pointer(addr):
            return None
        o = self.o
        head = memory.read(addr, o.unicode_compact_size)
        if not head or len(head) < o.unicode_compact_size:
            return None
        length = _q.unpack_from(head, o.unicode_length)[0]
        state = _I.unpack_from(head, o.unicode_state)[0]
        if length < 0 or not state & o.unicode_compact_mask:
            return None  # a legacy (non-compact) string: code objects never hold one
        shift = (o.unicode_kind_mask & -o.unicode_kind_mask).bit_length() - 1
        kind = (state & o.unicode_kind_mask) >> shift
        ascii_ = bool(state & o.unicode_ascii_mask)
        if kind not in (1, 2, 4) or ascii_ and kind != 1:
            return None
        length = min(length, MAX_STRING)
        data = memory.read(addr + (o.unicode_ascii_size if ascii_ else o.unicode_compact_size), length * kind)
        if data is None or len(data) < length * kind:
            return None
        codec = ("ascii" if ascii_ else "latin-1") if kind == 1 else "utf-16-le" if kind == 2 else "utf-32-le"
        return data.decode(codec, "replace")

    def bytes(self, memory: MemoryReader, addr: int) -> bytes | None:
        """The contents of a bytes object at ``addr`` (None past MAX_LINETABLE or unreadable)."""
        if not pointer(addr):
            return None
        o = self.o
        head = memory.read(addr, o.bytes_ob_sval)
        if not head or len(head) < o.bytes_ob_sval:
            return None
        size = _q.unpack_from(head, o.bytes_ob_size)[0]
        if not 0 <= size <= MAX_LINETABLE:
            return None
        data = memory.read(addr + o.bytes_ob_sval, size) if size else b""
        return data if data is not None and len(data) == size else None


class FrameWalker:
    """Reads the frame chain of one process's threads, innermost first."""

    def __init__(self, version: tuple[int, int, int], offsets: PyOffsets, code_type: int | None) -> None:
        self.o = offsets
        self.codes = CodeReader(version, offsets, code_type)
        self.modern = version >= (3, 11)
        self.current = version >= (3, 13)  # instr_ptr: the instruction executing, not the last done
        o = offsets
        if self.modern:
            self.size = max(o.frame_previous, o.frame_code, o.frame_instr) + 8
            self.size = max(self.size, o.frame_owner + 1)
        else:
            self.size = max(o.f_back, o.f_code, o.f_lasti + 4)

    def walk(self, memory: MemoryReader, frame: int) -> tuple[PyFrame, ...]:
        """The frames from ``frame`` outwards (at most MAX_FRAMES; a cycle or bad read ends the walk)."""
        out: list[PyFrame] = []
        seen: set[int] = set()
        step = self._modern if self.modern else self._legacy
        while pointer(frame) and frame not in seen and len(seen) < MAX_FRAMES:
            seen.add(frame)
            block = memory.read(frame, self.size)
            if not block or len(block) < self.size:
                break
            frame = step(memory, block, out)
        return tuple(out)

    def _modern(self, memory: MemoryReader, block: bytes, out: list[PyFrame]) -> int:
        o = self.o
        previous = _Q.unpack_from(block, o.frame_previous)[0]
        owner = block[o.frame_owner]
        if owner == o.owned_by_cstack:
            return previous  # the shim a C call into the evaluation loop pushes
        found = self.codes.code(memory, _Q.unpack_from(block, o.frame_code)[0])
        if found is None:
            return previous
        code, start, first = found
        instr = _Q.unpack_from(block, o.frame_instr)[0]
        if owner != o.owned_by_generator and instr < first:
            return previous  # not started yet: sys._getframe does not show it either
        line = code.table.line_at(instr - start) if code.table is not None else None
        out.append(PyFrame(code.filename, code.qualname, line or 0, code.firstlineno))
        return previous

    def _legacy(self, memory: MemoryReader, block: bytes, out: list[PyFrame]) -> int:
        o = self.o
        back = _Q.unpack_from(block, o.f_back)[0]
        found = self.codes.code(memory, _Q.unpack_from(block, o.f_code)[0])
        if found is None:
            return back
        code = found[0]
        lasti = _i.unpack_from(block, o.f_lasti)[0]
        if lasti < 0:  # not started: CPython reports the first line
            line = code.firstlineno
        else:
            line = (code.table.line_at(2 * lasti) if code.table is not None else None) or 0
        out.append(PyFrame(code.filename, code.qualname, line, code.firstlineno))
        return back
