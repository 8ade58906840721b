"""Draining the streaming ring buffer at memcpy speed: the committed bytes are copied out in one slice
and split into records only when they are decoded, so the kernel's buffer is freed long before
Python has printed what it held.

The ring's pages are mapped into this process as soon as it is mmap'd, and count in its resident
memory; ringbuf.RingBuffer maps the data area twice (so a record never wraps), which doubles that.
Here it is mapped once: a range that wraps is copied in two slices. Layout (bpf.h's BPF_RINGBUF_*):
the consumer page (u64 consumer position, writable), the producer page (u64 producer position),
then the data area; each record starts with a u32 length carrying the BUSY and DISCARD bits, a
u32 page offset, and is padded to 8 bytes.

The positions are read and written through memoryviews cast to u64, one 8-byte load or store each:
``struct.pack_into`` writes a byte at a time, and a kernel reading the consumer position between two
of those bytes (a carry from 0x00ffff.. to 0x010000..) sees it far behind, the ring as full, and drops
the record it was reserving. Loads are fenced (order.py) where the kernel's stores are releases.
"""

from __future__ import annotations

import mmap
import select
import struct
from collections import deque
from collections.abc import Iterator

from .bpf import MAP_RINGBUF, BpfMap
from .order import acquire

BUSY_BIT, DISCARD_BIT, HEADER_SIZE = 1 << 31, 1 << 30, 8  # BPF_RINGBUF_BUSY_BIT, _DISCARD_BIT, _HDR_SZ
_LENGTH = ~(BUSY_BIT | DISCARD_BIT)
_U32 = struct.Struct("<I")


class Backlog:
    """The ring buffer's consumer, and the bytes taken out of it that were not yet split into records."""

    def __init__(self, bpf_map: BpfMap, limit: int) -> None:
        if bpf_map.kind != MAP_RINGBUF:
            raise ValueError(f"map {bpf_map.name} is not a ring buffer")
        self.size = bpf_map.max_entries  # a power of two
        self.limit = limit  # bytes held at most: past it the ring fills and the kernel counts losses
        self.held = 0
        self._chunks: deque[bytes] = deque()
        page = mmap.PAGESIZE
        self._map = mmap.mmap(bpf_map.fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0)
        try:
            self._data = mmap.mmap(bpf_map.fd, page + self.size, mmap.MAP_SHARED, mmap.PROT_READ, offset=page)
        except OSError:
            self._map.close()
            raise
        self._base = page  # where the data area starts in the second mapping (after the producer page)
        self._consumer = memoryview(self._map).cast("Q")
        self._producer = memoryview(self._data).cast("Q")
        self._words = memoryview(self._data).cast("I")
        self._epoll = select.epoll()
        self._epoll.register(bpf_map.fd, select.EPOLLIN)

    def pending(self) -> int:
        """Bytes the producer has moved on past the consumer."""
        return self._producer[0] - self._consumer[0]

    def wait(self, timeout_ms: int) -> bool:
        """Whether there is something to decode, waiting up to ``timeout_ms`` for the kernel's wakeup."""
        if self._chunks or self.pending():
            return True
        try:
            return bool(self._epoll.poll(timeout_ms / 1000 if timeout_ms >= 0 else -1))
        except InterruptedError:  # pragma: no cover - PEP 475 retries, unless a handler raised
            return False

    def take(self) -> int:
        """Copy every committed record out of the ring buffer and free its space; the bytes taken."""
        if self.held >= self.limit:
            return 0
        consumer, producer = self._consumer[0], self._producer[0]
        acquire()  # the headers below are read after the position that covers them
        data, words, base, mask = self._data, self._words, self._base, self.size - 1
        # the committed end: the first record still BUSY (reserved, not yet written) stops the range;
        # headers are read in place, one load each, before the bytes they cover are copied
        end = consumer
        while end < producer:
            header = words[(base + (end & mask)) >> 2]
            if header & BUSY_BIT:
                break
            end += ((header & _LENGTH) + HEADER_SIZE + 7) & ~7
        if end == consumer:
            return 0
        acquire()  # a record's bytes are read after its header said it was committed
        start, count = base + (consumer & mask), end - consumer
        if (consumer & mask) + count <= self.size:
            chunk = data[start:start + count]
        else:
            first = data[start:base + self.size]
            chunk = first + data[base:base + count - len(first)]
        self._consumer[0] = end
        self._chunks.append(chunk)
        self.held += count
        return count

    def chunk(self) -> bytes | None:
        """The oldest bytes taken, no longer counted as held (their records are about to be decoded)."""
        if not self._chunks:
            return None
        chunk = self._chunks.popleft()
        self.held -= len(chunk)
        return chunk

    def __len__(self) -> int:
        return len(self._chunks)

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
            for view in (self._consumer, self._producer, self._words):
                view.release()
            self._data.close()
            self._map.close()
            self._epoll = None  # type: ignore[assignment]
        self._chunks.clear()
        self.held = 0


def records(chunk: bytes) -> Iterator[bytes]:
    """The records in bytes taken from the ring buffer, discarded ones skipped."""
    at, end = 0, len(chunk)
    unpack = _U32.unpack_from
    while at < end:
        header = unpack(chunk, at)[0]
        length = header & _LENGTH
        if not header & DISCARD_BIT:
            yield chunk[at + HEADER_SIZE:at + HEADER_SIZE + length]
        at += (length + HEADER_SIZE + 7) & ~7
