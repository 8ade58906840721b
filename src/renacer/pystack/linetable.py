"""Source lines of a CPython code object's instructions, decoded from its co_linetable bytes.

Two formats, both facts of CPython rather than code taken from it:

- 3.10 (PEP 626, Objects/lnotab_notes.txt): pairs of bytes (bytecode delta, unsigned; line delta,
  signed), a line delta of -128 meaning "no line"; zero-length pairs still move the line.
- 3.11 to 3.13 (Objects/locations.md, the PY_CODE_LOCATION_INFO_* codes of cpython/code.h): entries
  whose first byte is 1ccccnnn (code c, n+1 code units of 2 bytes), followed by varints (6-bit
  chunks, least significant first, 0x40 meaning "more") or svarints (varint v, v>>1 negated when
  v&1). Codes 0-9 keep the line, 10-12 add 0-2 to it, 13 and 14 add an svarint, 15 means no line.

The tables come from a traced process's memory, so any damage ends the decoding quietly: these
functions never raise on bad bytes and take time linear in the table's length.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

# A line outside C's int is damage: CPython keeps lines in an int.
_MAX_LINE = 2**31 - 1
# Six 6-bit chunks already pass 2**31: more is damage, and stopping keeps each entry cheap.
_MAX_VARINT_CHUNKS = 6

_CODE_NONE = 15
_CODE_NO_COLUMNS = 13
_CODE_LONG = 14
_CODE_ONE_LINE0 = 10


class _Damaged(Exception):
    """The table stops making sense here (only used inside this module)."""


def lines(version: tuple[int, int], linetable: bytes, firstlineno: int) -> list[tuple[int, int, int | None]]:
    """The (start byte, end byte, line or None) ranges the table describes, like ``co_lines()``, up to
    any damage; adjacent ranges of one line are merged and empty ones dropped."""
    ranges: list[tuple[int, int, int | None]] = []
    _scan(version, bytes(linetable), firstlineno, -1, ranges)
    out: list[tuple[int, int, int | None]] = []
    for start, end, line in ranges:
        if start == end:
            continue
        if out and out[-1][2] == line and out[-1][1] == start:
            out[-1] = (out[-1][0], end, line)
        else:
            out.append((start, end, line))
    return out


def line_at(version: tuple[int, int], linetable: bytes, firstlineno: int, offset: int) -> int | None:
    """The source line of the instruction at byte ``offset`` into the code's bytecode (co_code /
    _co_code_adaptive), from the code object's co_linetable bytes; None when the table has no line
    there (or is damaged)."""
    if offset < 0:
        return None
    return _scan(version, bytes(linetable), firstlineno, offset, None)


@dataclass(frozen=True, slots=True)
class LineTable:
    """A code object's decoded ranges, for answering many offsets of one code object by bisection."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    line_numbers: tuple[int | None, ...]

    @classmethod
    def decode(cls, version: tuple[int, int], linetable: bytes, firstlineno: int) -> LineTable:
        """Decode ``linetable`` once (see ``lines``)."""
        ranges = lines(version, linetable, firstlineno)
        return cls(tuple(r[0] for r in ranges), tuple(r[1] for r in ranges), tuple(r[2] for r in ranges))

    def line_at(self, offset: int) -> int | None:
        """The line of the instruction at byte ``offset``, or None."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0 or offset >= self.ends[i]:
            return None
        return self.line_numbers[i]


def _scan(
    version: tuple[int, int], table: bytes, firstlineno: int, offset: int,
    out: list[tuple[int, int, int | None]] | None,
) -> int | None:
    """The line at ``offset``, or with ``out`` every range appended to it; stops quietly at damage."""
    scan = _scan_310 if tuple(version[:2]) < (3, 11) else _scan_311
    try:
        return scan(table, firstlineno, offset, out)
    except _Damaged:
        return None


def _scan_310(table: bytes, line: int, offset: int, out: list | None) -> int | None:
    end = 0
    # An odd last byte is a torn pair (a short read): it describes nothing.
    for i in range(0, len(table) - 1, 2):
        start = end
        end += table[i]
        delta = table[i + 1]
        if delta == 0x80:  # -128: no line, and the running line stays
            result = None
        else:
            line += delta - 256 if delta > 127 else delta
            if not 0 <= line <= _MAX_LINE:
                raise _Damaged
            result = line
        if out is not None:
            out.append((start, end, result))
        elif offset < end:
            return result
    return None


def _varint(table: bytes, pos: int) -> int:
    """The unsigned varint at ``pos``."""
    value = 0
    shift = 0
    for _ in range(_MAX_VARINT_CHUNKS):
        if pos >= len(table):
            raise _Damaged
        byte = table[pos]
        if byte & 0x80:  # the next entry's first byte: this one was cut short
            raise _Damaged
        pos += 1
        value |= (byte & 0x3F) << shift
        shift += 6
        if not byte & 0x40:
            return value
    raise _Damaged


def _scan_311(table: bytes, line: int, offset: int, out: list | None) -> int | None:
    end = 0
    pos = 0
    size = len(table)
    while pos < size:
        first = table[pos]
        if first < 0x80:
            raise _Damaged
        code = (first >> 3) & 15
        start = end
        end += ((first & 7) + 1) * 2
        pos += 1
        if code == _CODE_NONE:
            result = None
        else:
            if code == _CODE_NO_COLUMNS or code == _CODE_LONG:
                value = _varint(table, pos)
                line += -(value >> 1) if value & 1 else value >> 1
            elif code >= _CODE_ONE_LINE0:
                line += code - _CODE_ONE_LINE0
            if not 0 <= line <= _MAX_LINE:
                raise _Damaged
            result = line
        if out is not None:
            out.append((start, end, result))
        elif offset < end:
            return result
        # Columns and end lines are not needed: skip to the next first byte (bit 7 set).
        while pos < size and table[pos] < 0x80:
            pos += 1
    return None
