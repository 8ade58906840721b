"""Fast decoding of a compile unit's functions, inlined calls and range lists (DWARF 2-5).

pyelftools reads every attribute of every DIE into objects; a Rust binary's standard-library
unit alone holds ~70k DIEs, which costs seconds that way. This module walks the same bytes
keeping only functions, inlined calls and the scopes that qualify their names. Formats follow
the DWARF 5 standard: DIE encoding (§7.5), forms (§7.5.6, table 7.6), range lists (§2.17.3,
§7.25). Unit headers still come from pyelftools. Malformed input raises (IndexError,
ValueError); every loop consumes bytes, so none can outlast its section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Tags (§7.5.4) whose DIEs matter: functions, inlined calls, and what names them.
TAG_SUBPROGRAM, TAG_INLINED = 0x2E, 0x1D
# namespace, structure, class, union, enumeration, interface
QUALIFYING_TAGS = frozenset({0x39, 0x13, 0x02, 0x17, 0x04, 0x38})
TAG_NAMESPACE = 0x39
_KEPT_TAGS = QUALIFYING_TAGS | {TAG_SUBPROGRAM, TAG_INLINED}

# Attributes (§7.5.4) read into a DIE's slots; everything else is skipped.
NAME, LINKAGE, ORIGIN, SPEC, LOW, HIGH, RANGES, CALL_FILE, CALL_LINE = range(9)
_SLOTS = {0x03: NAME, 0x6E: LINKAGE, 0x2007: LINKAGE, 0x31: ORIGIN, 0x47: SPEC, 0x11: LOW, 0x12: HIGH,
          0x55: RANGES, 0x58: CALL_FILE, 0x59: CALL_LINE}

_FIXED = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x1E: 16, 0x0C: 1, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8,
          0x20: 8, 0x1C: 4, 0x24: 8, 0x19: 0, 0x21: 0, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4, 0x29: 1,
          0x2A: 2, 0x2B: 3, 0x2C: 4}
_OFFSET_SIZED = frozenset({0x0E, 0x1F, 0x17, 0x10, 0x1D, 0x1F20, 0x1F21})  # strp, line_strp, sec_offset...
_LEB_FORMS = frozenset({0x0D, 0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F01, 0x1F02})
_ADDRESS_FORMS = frozenset({0x01, 0x1B, 0x29, 0x2A, 0x2B, 0x2C, 0x1F01})
_INDIRECT, _IMPLICIT_CONST, _REF_SIG8 = 0x16, 0x21, 0x20


def uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 at pos: (value, position after it)."""
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    value, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + 1
        shift += 7


def sleb(data: bytes, pos: int) -> tuple[int, int]:
    """A signed LEB128 at pos: (value, position after it)."""
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return (value - (1 << shift) if byte & 0x40 else value), pos


@dataclass(slots=True)
class Sections:
    """The raw bytes of one file's debug sections (b'' when absent), and its byte order."""

    info: bytes = b""
    abbrev: bytes = b""
    str: bytes = b""
    line_str: bytes = b""
    str_offsets: bytes = b""
    addr: bytes = b""
    ranges: bytes = b""
    rnglists: bytes = b""
    line: bytes = b""
    endian: str = "<"


@dataclass(slots=True)
class Unit:
    """One compile unit's header facts and the bases its indexed forms are relative to."""

    offset: int  # of the unit header in .debug_info
    die_start: int
    end: int
    version: int
    addr_size: int
    offset_size: int
    abbrev_offset: int
    base: int = 0  # the unit's DW_AT_low_pc: range lists' default base address
    str_offsets_base: int = 8
    addr_base: int = 8
    rnglists_base: int = 12
    plans: dict[int, tuple[int, bool, list[Any]]] = field(default_factory=dict)

    def fixed_size(self, form: int) -> int | None:
        """The size of a form's value when it does not depend on the bytes, else None."""
        size = _FIXED.get(form)
        if size is not None:
            return size
        if form == 0x01:
            return self.addr_size
        if form in _OFFSET_SIZED:
            return self.addr_size if form == 0x10 and self.version == 2 else self.offset_size
        return None


def _cstring(data: bytes, pos: int) -> str:
    end = data.index(b"\0", pos)
    return data[pos:end].decode("utf-8", "replace")


def unsigned(data: bytes, pos: int, size: int, endian: str) -> int:
    return int.from_bytes(data[pos:pos + size], "little" if endian == "<" else "big")


class Reader:
    """Decodes attribute values of one file's units."""

    def __init__(self, sections: Sections) -> None:
        self.s = sections

    # --- forms --------------------------------------------------------------------------

    def _value(self, form: int, data: bytes, pos: int, unit: Unit) -> tuple[Any, int]:
        """Decode one attribute (strings and indexed forms resolved): (value, next position)."""
        s = self.s
        if form in _FIXED:
            size = _FIXED[form]
            value = unsigned(data, pos, size, s.endian)
            if 0x11 <= form <= 0x14:
                value += unit.offset  # a unit-relative reference, made absolute
            elif form in (_REF_SIG8, 0x1C, 0x24):
                value = None  # a type unit's signature or a supplementary file's DIE: not followed
            elif 0x25 <= form <= 0x28:
                value = self._strx(value, unit)
            elif 0x29 <= form <= 0x2C:
                value = self._addrx(value, unit)
            return value, pos + size
        if form == 0x01:
            return unsigned(data, pos, unit.addr_size, s.endian), pos + unit.addr_size
        if form in _OFFSET_SIZED:
            size = unit.addr_size if form == 0x10 and unit.version == 2 else unit.offset_size
            value = unsigned(data, pos, size, s.endian)
            if form == 0x0E:
                value = _cstring(s.str, value)
            elif form == 0x1F:
                value = _cstring(s.line_str, value)
            elif form in (0x1D, 0x1F20, 0x1F21):
                value = None  # in a supplementary file: not read
            return value, pos + size
        if form == 0x08:
            end = data.index(b"\0", pos)
            return data[pos:end].decode("utf-8", "replace"), end + 1
        if form in (0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F01, 0x1F02):
            value, pos = uleb(data, pos)
            if form == 0x15:
                value += unit.offset
            elif form == 0x1A:
                value = self._strx(value, unit)
            elif form == 0x1B:
                value = self._addrx(value, unit)
            elif form == 0x23:
                at = unit.rnglists_base + value * unit.offset_size  # the unit's offset table entry
                value = unit.rnglists_base + unsigned(s.rnglists, at, unit.offset_size, s.endian)
            elif form in (0x1F01, 0x1F02):
                value = None  # split-DWARF indexes need the .dwo file: not read
            return value, pos
        if form == 0x0D:
            return sleb(data, pos)
        if form in (0x09, 0x18):
            size, pos = uleb(data, pos)
            return None, pos + size
        if form in (0x0A, 0x03, 0x04):
            width = {0x0A: 1, 0x03: 2, 0x04: 4}[form]
            return None, pos + width + unsigned(data, pos, width, s.endian)
        if form == _INDIRECT:
            real, pos = uleb(data, pos)
            if real == _INDIRECT:
                raise ValueError("nested DW_FORM_indirect")
            return self._value(real, data, pos, unit)
        raise ValueError(f"unknown form 0x{form:x}")

    def _skip(self, form: int, data: bytes, pos: int, unit: Unit) -> int:
        """The position after an attribute of a variable-size form, its value unread."""
        if form in _LEB_FORMS:
            while data[pos] & 0x80:
                pos += 1
            return pos + 1
        if form == 0x08:
            return data.index(b"\0", pos) + 1
        if form in (0x09, 0x18):
            size, pos = uleb(data, pos)
            return pos + size
        if form in (0x0A, 0x03, 0x04):
            width = {0x0A: 1, 0x03: 2, 0x04: 4}[form]
            return pos + width + unsigned(data, pos, width, self.s.endian)
        size = unit.fixed_size(form)
        if size is not None:
            return pos + size
        if form == _INDIRECT:
            real, pos = uleb(data, pos)
            if real == _INDIRECT:
                raise ValueError("nested DW_FORM_indirect")
            return self._skip(real, data, pos, unit)
        raise ValueError(f"unknown form 0x{form:x}")

    def _strx(self, index: int, unit: Unit) -> str:
        at = unit.str_offsets_base + index * unit.offset_size
        return _cstring(self.s.str, unsigned(self.s.str_offsets, at, unit.offset_size, self.s.endian))

    def _addrx(self, index: int, unit: Unit) -> int:
        at = unit.addr_base + index * unit.addr_size
        return unsigned(self.s.addr, at, unit.addr_size, self.s.endian)

    # --- abbreviations -------------------------------------------------------------------

    def _plan(self, unit: Unit, code: int) -> tuple[int, bool, list[Any]]:
        """How to walk a DIE of abbreviation ``code``: (tag, has children, steps).

        A step is an int (bytes to skip: fixed-size attributes merged) or (form, slot, implicit value).
        """
        plan = unit.plans.get(code)
        if plan is not None:
            return plan
        if not unit.plans:
            self._load_abbrevs(unit)
            plan = unit.plans.get(code)
        if plan is None:
            raise ValueError(f"abbreviation {code} missing")
        return plan

    def _load_abbrevs(self, unit: Unit) -> None:
        data, pos = self.s.abbrev, unit.abbrev_offset
        while True:
            code, pos = uleb(data, pos)
            if code == 0:
                break
            tag, pos = uleb(data, pos)
            children = data[pos] != 0
            pos += 1
            steps: list[Any] = []
            kept = tag in _KEPT_TAGS
            while True:
                attr, pos = uleb(data, pos)
                form, pos = uleb(data, pos)
                implicit = None
                if form == _IMPLICIT_CONST:
                    implicit, pos = sleb(data, pos)
                if attr == 0 and form == 0:
                    break
                slot = _SLOTS.get(attr, -1) if kept else -1
                size = unit.fixed_size(form)
                if slot < 0 and size is not None:
                    if steps and isinstance(steps[-1], int):
                        steps[-1] += size
                    else:
                        steps.append(size)
                else:
                    steps.append((form, slot, implicit))
            unit.plans[code] = (tag, children, steps)

    # --- the DIE tree --------------------------------------------------------------------

    def scan(self, unit: Unit) -> tuple[dict[int, tuple[int, int, list[Any]]], list[tuple[int, int, int]]]:
        """Walk a unit's DIEs after its top one.

        Returns (kept, scopes): ``kept`` maps the offset of every function, inlined call and
        qualifying scope to (tag, parent offset, slots); ``scopes`` lists the functions and inlined
        calls that have code as (offset, enclosing scope index or -1, depth).
        """
        data, pos, end = self.s.info, unit.die_start, unit.end
        kept: dict[int, tuple[int, int, list[Any]]] = {}
        scopes: list[tuple[int, int, int]] = []
        open_dies: list[tuple[int, int]] = []  # (offset, scope index its children belong to)
        while pos < end:
            offset = pos
            code, pos = uleb(data, pos)
            if code == 0:
                if open_dies:
                    open_dies.pop()
                continue
            tag, children, steps = self._plan(unit, code)
            slots: list[Any] | None = [None] * 9 if tag in _KEPT_TAGS else None
            for step in steps:
                if step.__class__ is int:
                    pos += step
                    continue
                form, slot, implicit = step
                if slot < 0:
                    pos = self._skip(form, data, pos, unit)
                    continue
                if form == _IMPLICIT_CONST:
                    value = implicit
                else:
                    value, pos = self._value(form, data, pos, unit)
                if slots is not None:
                    slots[slot] = (value, form in _ADDRESS_FORMS) if slot == HIGH else value
            parent, enclosing = open_dies[-1] if open_dies else (-1, -1)
            here = enclosing
            if slots is not None:
                kept[offset] = (tag, parent, slots)
                has_code = slots[LOW] is not None or slots[RANGES] is not None
                if has_code and tag in (TAG_SUBPROGRAM, TAG_INLINED):
                    here = len(scopes)
                    scopes.append((offset, enclosing if tag == TAG_INLINED else -1, len(open_dies)))
            if children:
                open_dies.append((offset, here))
        return kept, scopes

    # --- ranges --------------------------------------------------------------------------

    def ranges(self, slots: list[Any], unit: Unit) -> list[tuple[int, int]]:
        """The address ranges of a DIE: DW_AT_low_pc/high_pc or its range list."""
        if slots[RANGES] is not None:
            if unit.version >= 5:
                return self._rnglist(slots[RANGES], unit)
            return self._ranges_v4(slots[RANGES], unit)
        low = slots[LOW]
        if low is None:
            return []
        high = slots[HIGH]
        if high is None:
            return [(low, low + 1)]
        value, is_address = high
        return [(low, value if is_address else low + value)]

    def _ranges_v4(self, offset: int, unit: Unit) -> list[tuple[int, int]]:
        data, size, endian = self.s.ranges, unit.addr_size, self.s.endian
        top = (1 << (8 * size)) - 1
        base, out = unit.base, []
        while True:
            begin = unsigned(data, offset, size, endian)
            end = unsigned(data, offset + size, size, endian)
            if offset + 2 * size > len(data):
                raise ValueError("range list runs past .debug_ranges")
            offset += 2 * size
            if begin == 0 and end == 0:
                return out
            if begin == top:
                base = end  # a base address selection entry
            else:
                out.append((base + begin, base + end))

    def _rnglist(self, offset: int, unit: Unit) -> list[tuple[int, int]]:
        data, size, endian = self.s.rnglists, unit.addr_size, self.s.endian
        base, out = unit.base, []
        while True:
            kind = data[offset]
            offset += 1
            if kind == 0:  # DW_RLE_end_of_list
                return out
            if kind == 1:  # base_addressx
                index, offset = uleb(data, offset)
                base = self._addrx(index, unit)
            elif kind in (2, 3):  # startx_endx, startx_length
                index, offset = uleb(data, offset)
                other, offset = uleb(data, offset)
                start = self._addrx(index, unit)
                out.append((start, self._addrx(other, unit) if kind == 2 else start + other))
            elif kind == 4:  # offset_pair
                begin, offset = uleb(data, offset)
                end, offset = uleb(data, offset)
                out.append((base + begin, base + end))
            elif kind == 5:  # base_address
                base = unsigned(data, offset, size, endian)
                offset += size
            elif kind in (6, 7):  # start_end, start_length
                start = unsigned(data, offset, size, endian)
                offset += size
                if kind == 6:
                    out.append((start, unsigned(data, offset, size, endian)))
                    offset += size
                else:
                    length, offset = uleb(data, offset)
                    out.append((start, start + length))
            else:
                raise ValueError(f"unknown range list entry {kind}")
