"""CPython objects in a stopped process's memory: code objects, their str and bytes, read by page.

Code objects are decoded once per address and re-validated on every use: a freed code object's
address is soon another's, so the words that name it (type, file, name, line table, first
line) must still be the ones it was decoded from. Memory may be garbage: no read here raises.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..syscalls.base import MemoryReader
from .linetable import LineTable
from .offsets import PyOffsets

MAX_STRING = 1024  # characters of a file or function name read at most
MAX_LINETABLE = 1 << 20
CODE_CAPACITY = 8192  # code objects remembered per process
PAGE = 4096
# The end of user space on both x86_64 (below 2**47) and aarch64 (below 2**48 with 48-bit VAs):
# anything at or above is not a pointer into the process. (52-bit aarch64 and 5-level x86_64 map
# higher only for a process that asks with an mmap hint; CPython does not.)
USER_END = 1 << 48
_Q = struct.Struct("<Q")
_I = struct.Struct("<I")
_i = struct.Struct("<i")
_q = struct.Struct("<q")


def pointer(value: int) -> bool:
    """Whether ``value`` can be the address of an object in a user-space process."""
    return 4096 <= value < USER_END and not value & 7


_MISSING = object()


class PageCache:
    """A MemoryReader over another that reads small objects by whole pages, kept for one stack read.

    Thread states, interpreter frames (3.11+ keep them side by side in the thread's data stack)
    and small code objects cluster in a few pages; a read of a page costs about what a read of 80
    bytes costs, and many pages can be read in one call when the reader can (it has
    ``read_spans``, as the ptrace backend's does), so a stack of twenty frames takes a few reads
    instead of forty.
    """

    __slots__ = ("memory", "pages", "spans", "read_spans", "used", "wanted")

    def __init__(self, memory: MemoryReader) -> None:
        self.memory = memory
        self.pages: dict[int, bytes | None] = {}
        self.spans: dict[int, bytes | None] = {}  # objects fetched together, by address
        self.used: dict[int, None] = {}  # pages asked for, in order (prefetched ones only once used)
        self.wanted: list[int] = []  # addresses of the objects asked for by ``fetch``
        self.read_spans = getattr(memory, "read_spans", None)  # a batched read, where the reader has one

    def prefetch(self, pages: list[int], objects: list[int], size: int) -> None:
        """Read pages and ``size``-byte objects together, in one batched read when possible: a guess
        at what the stack read will ask for, such as what the same thread's last one needed."""
        if self.read_spans is None or len(pages) + len(objects) < 2:
            return
        spans = [(page, PAGE) for page in pages] + [(addr, size) for addr in objects]
        for (addr, length), data in zip(spans, self.read_spans(spans), strict=True):
            (self.pages if length == PAGE and addr in pages else self.spans)[addr] = data

    def fetch(self, addrs: list[int], size: int) -> None:
        """Read ``size`` bytes at each of ``addrs`` not read yet, in one batched read when possible."""
        self.wanted = addrs
        spans = self.spans
        missing = [addr for addr in dict.fromkeys(addrs) if addr not in spans and 4096 <= addr < USER_END]
        if self.read_spans is not None and len(missing) > 1:
            found = self.read_spans([(addr, size) for addr in missing])
            spans.update(zip(missing, found, strict=True))

    def object(self, addr: int, size: int) -> tuple[bytes | None, int]:
        """Bytes holding [addr, addr + size) and where ``addr`` is in them (None if unreadable)."""
        data = self.spans.get(addr, _MISSING)
        if data is not _MISSING:
            return data, 0  # type: ignore[return-value]
        at = addr & (PAGE - 1)
        if at + size <= PAGE:
            return self.page(addr - at), at
        return self.memory.read(addr, size), 0

    def page(self, first: int) -> bytes | None:
        """The page at ``first`` (page-aligned), read once."""
        self.used[first] = None
        data = self.pages.get(first, _MISSING)
        if data is _MISSING:
            data = self.pages[first] = self.memory.read(first, PAGE)
        return data  # type: ignore[return-value]

    def read(self, addr: int, size: int) -> bytes | None:
        """``size`` bytes at ``addr`` (from cached pages when the object spans at most two)."""
        first = addr & -PAGE
        at = addr - first
        if at + size <= PAGE:
            data = self.page(first)
            return data[at:at + size] if data is not None else self.memory.read(addr, size)
        if size <= 0 or at + size > 2 * PAGE:
            return self.memory.read(addr, size)
        head, tail = self.read(first, PAGE), self.read(first + PAGE, PAGE)
        if head is None or tail is None:
            return self.memory.read(addr, size)
        return (head + tail)[at:at + size]

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        """Not cached (no stack read asks for C strings)."""
        return self.memory.read_cstr(addr, limit)


@dataclass(slots=True)
class Code:
    """A decoded code object, the header bytes it was decoded from, and its frames by instruction."""

    names: bytes  # the header words that name it (file, name, line table pointers) ...
    firstline: bytes  # ... and co_firstlineno: equal bytes mean the same code object
    filename: str
    qualname: str
    firstlineno: int
    table: LineTable | None
    bytecode: int  # address of its first instruction (3.11+; 0 on 3.10)
    first_traceable: int  # address of its first traceable instruction (3.11+; 0 on 3.10)
    frames: dict = field(default_factory=dict)  # instruction -> the PyFrame already made for it


class CodeReader:
    """The code objects of one process, by address, and the strings and bytes they point to."""

    def __init__(self, version: tuple[int, int, int], offsets: PyOffsets, code_type: int | None) -> None:
        o = self.o = offsets
        self.version = version[:2]
        self.modern = version >= (3, 11)
        self.name_at = o.co_qualname if self.modern else o.co_name
        names = (o.co_filename, self.name_at, o.co_linetable)
        self.names = slice(min(names), max(names) + 8)  # one span in every version: file, name, table
        self.firstlineno = slice(o.co_firstlineno, o.co_firstlineno + 4)
        self.header = max(*names, o.co_firstlineno, o.co_firsttraceable, o.ob_type) + 8
        # &PyCode_Type, where a code object's ob_type points (b"": not known, not checked)
        self.type_stamp = _Q.pack(code_type) if code_type is not None else b""
        self.kind_shift = (o.unicode_kind_mask & -o.unicode_kind_mask).bit_length() - 1
        self._codes: dict[int, Code] = {}

    def code(self, memory: PageCache, addr: int) -> Code | None:
        """The code object at ``addr`` (decoded once, checked against its header every time), or None."""
        if not 4096 <= addr < USER_END or addr & 7:
            return None
        head, at = memory.object(addr, self.header)
        if head is None or len(head) < at + self.header:
            return None
        known = self._codes.get(addr)
        # startswith(..., at) compares in place: the common case allocates nothing
        if known is not None and head.startswith(known.names, at + self.names.start) \
                and head.startswith(known.firstline, at + self.firstlineno.start) \
                and head.startswith(self.type_stamp, at + self.o.ob_type):
            return known
        head = head[at:at + self.header]
        if not head.startswith(self.type_stamp, self.o.ob_type):
            return None  # not a code object (3.13: f_executable may be None)
        known = self._decode(memory, addr, head)
        if known is not None:
            if len(self._codes) >= CODE_CAPACITY:
                self._codes.clear()  # a process churning code objects: start over rather than grow
            self._codes[addr] = known
        return known

    def _decode(self, memory: MemoryReader, addr: int, head: bytes) -> Code | None:
        o = self.o
        filename = self.string(memory, _Q.unpack_from(head, o.co_filename)[0])
        name = self.string(memory, _Q.unpack_from(head, self.name_at)[0])
        if filename is None or name is None:
            return None
        firstlineno = _i.unpack_from(head, o.co_firstlineno)[0]
        raw = self.bytes(memory, _Q.unpack_from(head, o.co_linetable)[0])
        table = LineTable.decode(self.version, raw, firstlineno) if raw is not None else None
        bytecode = first = 0
        if self.modern:
            bytecode = addr + o.co_code_adaptive
            first = bytecode + 2 * _i.unpack_from(head, o.co_firsttraceable)[0]  # in 2-byte code units
        return Code(head[self.names], head[self.firstlineno], filename, name, firstlineno, table, bytecode,
                    first)

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
        kind = (state & o.unicode_kind_mask) >> self.kind_shift
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
