"""The streaming record: its layout (shared by the kernel programs and the consumer), its parsing,
and the decoders' MemoryReader over the bytes the kernel captured.

One record is one syscall, entry and exit merged. The kernel builds it in place, in the calling
thread's slot of the ``entries`` hash map, then copies ``HEADER + length`` bytes of it to the ring
buffer at exit (or at entry, for a call that never returns)::

    offset  size  field
         0     4  tid
         4     4  tgid
         8     8  nr
        16    48  args[6]           the argument registers at entry
        64     8  enter_ns          bpf_ktime_get_ns (CLOCK_MONOTONIC)
        72     8  exit_ns
        80     8  ret               signed
        88     4  state             PENDING, RETURNED, NO_EXIT
        92     4  length            bytes of spans after the header
        96     -  spans             each: SPAN header, then its bytes padded to 8

    span:    0  8  address          where the bytes were read from
             8  4  size             bytes kept (a string's NUL not counted)
            12  1  phase            ENTRY or EXIT
            13  1  kind             STRING_ENDED, STRING_CUT, BYTES
            14  2  (zero)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = 96
SPAN = 16
PAYLOAD = 4096  # bytes of spans a record may start another span within (a power of two)
# the slot holds the header, spans starting below PAYLOAD, each up to PAYLOAD long, and slack
VALUE_SIZE = HEADER + 2 * PAYLOAD + 32
MAX_LENGTH = 2 * PAYLOAD + 16  # the largest length a record can reach

OFF_TID, OFF_TGID, OFF_NR, OFF_ARGS = 0, 4, 8, 16
OFF_ENTER, OFF_EXIT, OFF_RET, OFF_STATE, OFF_LENGTH = 64, 72, 80, 88, 92

PENDING, RETURNED, NO_EXIT = 1, 2, 4  # state bits
ENTRY, EXIT = 0, 1  # span phase
STRING_ENDED, STRING_CUT, BYTES = 1, 2, 3  # span kind

_HEAD = struct.Struct("<IIq6QQQqII")
_SPAN = struct.Struct("<QIBBH")


@dataclass(frozen=True, slots=True)
class Span:
    """Bytes the kernel read from the tracee: where, when, and whether a string's end was seen."""

    addr: int
    phase: int
    kind: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Record:
    """One record from the ring buffer, parsed."""

    tid: int
    tgid: int
    nr: int
    args: tuple[int, ...]
    enter_ns: int
    exit_ns: int
    ret: int
    state: int
    spans: tuple[Span, ...]


def parse(raw: bytes) -> Record:
    """A record's fields and spans from its bytes (a short or garbled tail is ignored)."""
    tid, tgid, nr, a0, a1, a2, a3, a4, a5, enter, exit_, ret, state, length = _HEAD.unpack_from(raw)
    spans = []
    at, end = HEADER, min(len(raw), HEADER + length)
    while at + SPAN <= end:
        addr, size, phase, kind, _ = _SPAN.unpack_from(raw, at)
        start = at + SPAN
        if start + size > end:
            break
        spans.append(Span(addr, phase, kind, raw[start:start + size]))
        at = start + ((size + 7) & ~7)
    return Record(tid, tgid, nr, (a0, a1, a2, a3, a4, a5), enter, exit_, ret, state, tuple(spans))


class PayloadReader:
    """The decoders' MemoryReader over a record's spans: what was not captured reads as None.

    At exit (``exiting``) a span read at exit wins over one read at entry from the same place,
    so an argument the kernel fills in shows its new contents and an input one its old.
    """

    __slots__ = ("spans", "exiting")

    def __init__(self, spans: tuple[Span, ...], exiting: bool = False) -> None:
        self.spans = spans
        self.exiting = exiting

    def _find(self, addr: int, kinds: tuple[int, ...]) -> tuple[Span, int] | None:
        found = None
        for span in self.spans:
            if span.kind not in kinds or (span.phase == EXIT and not self.exiting):
                continue
            offset = addr - span.addr
            if 0 <= offset < max(len(span.data), 1) and (found is None or span.phase == EXIT):
                found = (span, offset)
        return found

    def read(self, addr: int, size: int) -> bytes | None:
        """Up to ``size`` captured bytes at ``addr`` (fewer if the capture ended), None if none were."""
        if size <= 0:
            return b""
        got = self._find(addr, (BYTES, STRING_ENDED, STRING_CUT))
        if got is None:
            return None
        span, offset = got
        data = span.data[offset:offset + size]
        if span.kind == STRING_ENDED and len(data) < size:
            data += b"\0"  # the NUL the kernel read too
        return data or None

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        """The captured string at ``addr``: up to ``limit`` bytes, and whether its NUL was seen."""
        got = self._find(addr, (STRING_ENDED, STRING_CUT, BYTES))
        if got is None:
            return None
        span, offset = got
        data = span.data[offset:]
        if span.kind == BYTES:
            nul = data.find(b"\0")
            if nul < 0:
                return data[:limit], False
            data, ended = data[:nul], True
        else:
            ended = span.kind == STRING_ENDED
        if len(data) > limit:
            return data[:limit], False
        return data, ended
