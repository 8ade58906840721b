"""Reading a stopped task's stack for the unwinder: words out of a few large cached chunks.

The chunks come from the backend's MemoryReader (process_vm_readv for ptrace), a page-aligned
8 KiB at a time, so most walks read the stack once.
"""

from __future__ import annotations

import struct

from ..syscalls.base import MemoryReader

PAGE = 4096
CHUNK = 2 * PAGE  # stack bytes fetched per read: one read usually covers a whole stack of C frames
MAX_CHUNKS = 32  # reads per walk: a corrupt stack pointing all over memory costs bounded time
MASK = (1 << 64) - 1
WORD = struct.Struct("<Q")


def read(memory: MemoryReader, addr: int, size: int) -> bytes | None:
    """memory.read, with a reader's own complaint about an address taken as 'unreadable'."""
    try:
        return memory.read(addr, size)
    except (OSError, ValueError, OverflowError):
        return None


class StackMemory:
    """Word reads from a MemoryReader through a few large cached chunks."""

    __slots__ = ("reader", "chunks", "misses", "base", "data", "last")

    def __init__(self, reader: MemoryReader) -> None:
        self.reader = reader
        self.chunks: list[tuple[int, bytes]] = []
        self.misses = 0
        self.base, self.data, self.last = 0, b"", -1  # the newest chunk, checked first

    def word(self, addr: int) -> int | None:
        """The 64-bit little-endian word at ``addr``, or None when unreadable."""
        off = addr - self.base
        if 0 <= off <= self.last:
            return WORD.unpack_from(self.data, off)[0]
        for base, data in self.chunks:
            off = addr - base
            if 0 <= off <= len(data) - 8:
                return WORD.unpack_from(data, off)[0]
        if self.misses >= MAX_CHUNKS or not 0 < addr <= MASK - 8:
            return None
        self.misses += 1
        base = addr & ~(PAGE - 1)
        data = read(self.reader, base, CHUNK)
        if data is None or len(data) < addr - base + 8:
            base, data = addr, read(self.reader, addr, 8)  # the chunk's tail was unreadable: just the word
            if data is None or len(data) < 8:
                return None
        self.chunks.append((base, data))
        self.base, self.data, self.last = base, data, len(data) - 8
        return WORD.unpack_from(data, addr - base)[0]
