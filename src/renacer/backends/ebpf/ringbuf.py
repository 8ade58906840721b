"""The consumer side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF), over mmap of its map fd.

Layout (kernel/bpf/ringbuf.c, as bpf.h's BPF_RINGBUF_* constants describe it): at offset 0 one
writable page whose first u64 is the consumer position; at one page the read-only producer page
(first u64: the producer position), then the data area mapped twice in a row, so a record that
wraps around the end reads as one span. Each record starts with an 8-byte header: u32 length
with BUSY (not yet committed) and DISCARD bits, u32 page offset; records are 8-byte aligned.
"""

from __future__ import annotations

import mmap
import select
import struct

from .bpf import MAP_RINGBUF, BpfMap
from .order import acquire

BUSY_BIT, DISCARD_BIT, HEADER_SIZE = 1 << 31, 1 << 30, 8  # BPF_RINGBUF_BUSY_BIT, _DISCARD_BIT, _HDR_SZ
_U32 = struct.Struct("<I")


class RingBuffer:
    """Reads the records a program wrote with bpf_ringbuf_output / reserve + submit."""

    def __init__(self, bpf_map: BpfMap) -> None:
        if bpf_map.kind != MAP_RINGBUF:
            raise ValueError(f"map {bpf_map.name} is not a ring buffer")
        self.map = bpf_map
        self.size = bpf_map.max_entries  # the data area, a power of two
        self._mask = self.size - 1
        page = mmap.PAGESIZE
        rw = mmap.PROT_READ | mmap.PROT_WRITE
        self._consumer = mmap.mmap(bpf_map.fd, page, mmap.MAP_SHARED, rw, offset=0)
        try:
            self._producer = mmap.mmap(bpf_map.fd, page + 2 * self.size, mmap.MAP_SHARED, mmap.PROT_READ,
                                       offset=page)
        except OSError:
            self._consumer.close()
            raise
        self._data = page  # where the data area starts in the producer mapping
        # positions as single 8-byte loads and stores: a byte-wise store (struct.pack_into) can be read
        # half-written by the kernel, which then sees the ring as full and drops records
        self._consumer_pos = memoryview(self._consumer).cast("Q")
        self._producer_pos = memoryview(self._producer)[:8].cast("Q")
        self._epoll = select.epoll()
        self._epoll.register(bpf_map.fd, select.EPOLLIN)

    def wait(self, timeout_ms: int) -> bool:
        """Whether records are ready, waiting up to ``timeout_ms`` (-1: for ever) for the kernel's wakeup."""
        if self.pending():
            return True
        try:
            return bool(self._epoll.poll(timeout_ms / 1000 if timeout_ms >= 0 else -1))
        except InterruptedError:  # pragma: no cover - PEP 475 retries, unless a handler raised
            return False

    def pending(self) -> int:
        """Bytes the producer has moved on past the consumer."""
        return self._producer_pos[0] - self._consumer_pos[0]

    def drain(self) -> list[bytes]:
        """Every committed record (discarded ones skipped), in order; the consumer moves past them."""
        consumer = self._consumer_pos[0]
        producer = self._producer_pos[0]
        acquire()  # a record's header is read after the producer position that covers it
        out: list[bytes] = []
        data, mask = self._producer, self._mask
        while consumer < producer:
            at = self._data + (consumer & mask)
            header = _U32.unpack_from(data, at)[0]
            if header & BUSY_BIT:
                break  # reserved, not yet submitted: everything after it waits too
            length = header & ~(BUSY_BIT | DISCARD_BIT)
            acquire()  # its bytes after the header that says they are committed
            if not header & DISCARD_BIT:
                out.append(data[at + HEADER_SIZE:at + HEADER_SIZE + length])
            consumer += (length + HEADER_SIZE + 7) & ~7
        self._consumer_pos[0] = consumer
        return out

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
            self._consumer_pos.release()
            self._producer_pos.release()
            self._producer.close()
            self._consumer.close()
            self._epoll = None  # type: ignore[assignment]

    def __enter__(self) -> RingBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
