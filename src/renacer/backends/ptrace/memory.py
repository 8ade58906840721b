"""Reading a stopped tracee's memory with process_vm_readv (the decoders' MemoryReader)."""

from __future__ import annotations

import ctypes
import struct

from .libc import read_gather, read_memory, read_span, read_spans

PAGE = 4096
_CHUNK = 1024  # bytes asked for at a time when looking for a string's NUL


def _page_chunks(addr: int, size: int) -> list[tuple[int, int]]:
    """Split [addr, addr+size) at page boundaries, so an unmapped page only cuts the tail."""
    chunks = []
    end = addr + size
    while addr < end:
        step = min(end, (addr & ~(PAGE - 1)) + PAGE) - addr
        chunks.append((addr, step))
        addr += step
    return chunks


class Gather:
    """Spans to read back to back, packed once for reading many times (see ``read_gather``)."""

    __slots__ = ("buffer", "count", "local", "remote", "spans", "total")

    def __init__(self, spans: tuple[tuple[int, int], ...]) -> None:
        self.spans = spans
        self.count = len(spans)
        self.total = sum(size for _, size in spans)
        self.remote = struct.pack(f"<{2 * len(spans)}Q", *[word for span in spans for word in span])
        self.buffer = ctypes.create_string_buffer(self.total)  # its own: read into, copied out at once
        self.local = struct.pack("<QQ", ctypes.addressof(self.buffer), self.total)


class ProcessMemory:
    """The memory of one stopped task."""

    __slots__ = ("pid",)

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def read(self, addr: int, size: int) -> bytes | None:
        """Up to ``size`` bytes at ``addr`` (fewer if memory ends), None if none are readable."""
        if size <= 0:
            return b""
        if addr <= 0 or addr + size > 1 << 64:
            return None
        whole = read_span(self.pid, addr, size)  # one iovec: the usual case, and the cheap one
        if whole is not None or (addr & (PAGE - 1)) + size <= PAGE:
            return whole
        buf = ctypes.create_string_buffer(size)  # some page failed: as much as the pages allow
        got = read_memory(self.pid, _page_chunks(addr, size), buf)
        if got <= 0:
            return None
        return buf.raw[:got]

    def read_spans(self, spans: list[tuple[int, int]]) -> list[bytes | None]:
        """The bytes of each (address, size), read together (None for one that failed)."""
        return read_spans(self.pid, spans)

    @staticmethod
    def gather(spans: tuple[tuple[int, int], ...]) -> Gather:
        """Spans made ready for ``read_gather`` (packed once, read many times)."""
        return Gather(spans)

    def read_gather(self, gather: Gather) -> bytes | None:
        """The bytes of every span of ``gather`` joined, read by one call; None if any failed."""
        return read_gather(self.pid, gather.local, gather.remote, gather.count, gather.total, gather.buffer)

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        """The string at ``addr``: up to ``limit`` bytes before its NUL, and whether it ended.

        A string of exactly ``limit`` bytes followed by NUL counts as ended.
        """
        if addr <= 0:
            return None
        want = limit + 1
        data = b""
        while len(data) < want:
            at = addr + len(data)
            step = min(want - len(data), _CHUNK, (at & ~(PAGE - 1)) + PAGE - at)
            part = self.read(at, step)
            if not part:
                if not data:
                    return None
                return data[:limit], False
            nul = part.find(b"\0")
            if nul >= 0:
                data += part[:nul]
                return (data, True) if len(data) <= limit else (data[:limit], False)
            data += part
        return data[:limit], False
