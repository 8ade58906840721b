"""Line tables, functions and inline chains of one module's DWARF, built per compile unit on demand.

The tables (``CUIndex``, ``CUTable``) are plain arrays that pickle compactly: the symbolizer
keeps them in ``source.cache`` per build-id, so a warm run answers from them without importing
pyelftools. ``DwarfReader`` builds them with pyelftools, one compile unit at a time.

Files are named as the line table names them: a file's directory entry joined with its name,
but not with the CU's compilation directory (directory 0). So a user's relative path stays
relative (``src/main.rs``, meaning relative to where it was compiled) and absolute paths stay
absolute. The one exception is Rust's standard library: its compilation directory is the
remapped ``/rustc/<hash>``, and joining it gives the ``/rustc/<hash>/library/std/src/fs.rs``
paths users (and addr2line) know.
"""

from __future__ import annotations

import heapq
import posixpath
from array import array
from bisect import bisect_right
from typing import Any

from renacer.source.dwarflines import line_rows
from renacer.source.dwarfscan import (
    CALL_FILE,
    CALL_LINE,
    HIGH,
    LINKAGE,
    LOW,
    NAME,
    ORIGIN,
    QUALIFYING_TAGS,
    RANGES,
    SPEC,
    TAG_INLINED,
    TAG_NAMESPACE,
    TAG_SUBPROGRAM,
    Reader,
    Sections,
    Unit,
)

_ADDRESS_FORMS = ("DW_FORM_addr", "DW_FORM_addrx", "DW_FORM_addrx1", "DW_FORM_addrx2", "DW_FORM_addrx3",
                  "DW_FORM_addrx4", "DW_FORM_GNU_addr_index")
_MAX_UNITS = 16  # units scanned to follow cross-unit references while naming one unit's functions
RUST_TOOLCHAIN_DIR = "/rustc/"  # where rustc remaps the standard library's compilation directory
_MAX_HOPS = 8  # abstract_origin/specification links followed; a cycle in bad DWARF stops here
_MAX_DEPTH = 64  # enclosing namespaces/types named in a qualified name
_MAX_FILE = 0x7FFFFFFF  # file numbers past this (corrupt DWARF) name no file


class CUIndex:
    """Which compile unit covers an address: sorted (start, end, CU offset) ranges."""

    __slots__ = ("starts", "ends", "offsets")

    def __init__(self, ranges: list[tuple[int, int, int]]) -> None:
        ranges = sorted(r for r in ranges if r[0] < r[1])
        self.starts = array("Q", (r[0] for r in ranges))
        self.ends = array("Q", (r[1] for r in ranges))
        self.offsets = array("Q", (r[2] for r in ranges))

    def __reduce__(self) -> tuple[Any, ...]:
        return (CUIndex, (list(zip(self.starts, self.ends, self.offsets, strict=True)),))

    def lookup(self, addr: int) -> int:
        """The offset in .debug_info of the CU covering addr, or -1."""
        i = bisect_right(self.starts, addr) - 1
        for j in range(i, max(i - 8, -1), -1):  # a few back: ranges of different CUs may nest
            if addr < self.ends[j]:
                return self.offsets[j]
        return -1


class CUTable:
    """One compile unit's rows (address -> file, line) and scopes (functions, inlined calls)."""

    __slots__ = ("addrs", "row_files", "row_lines", "files", "bounds", "innermost",
                 "names", "scope_name", "scope_parent", "call_file", "call_line", "scope_entry", "problem")

    def __init__(self) -> None:
        self.addrs = array("Q")  # row addresses, sorted
        self.row_files = array("i")  # file number of each row; -1 ends a sequence (no line there)
        self.row_lines = array("I")
        self.files: list[str] = []  # by the line table's file number
        self.bounds = array("Q")  # where the innermost scope changes, sorted
        self.innermost = array("i")  # scope from each bound on; -1 for none
        self.names: list[str] = []  # distinct function names (raw: linkage names still mangled)
        self.scope_name = array("i")
        self.scope_parent = array("i")  # the enclosing scope of an inlined call; -1 for a function
        self.call_file = array("i")  # inlined call: where it was called from; -1 for a function
        self.call_line = array("I")
        self.scope_entry = array("Q")  # function: its entry address (symbol offsets)
        self.problem = ""  # why part of this CU could not be read, '' when all was

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_cu, (tuple(getattr(self, name) for name in CUTable.__slots__),))

    def file(self, number: int) -> str:
        """The path of file ``number`` of the line table ('' when out of range)."""
        return self.files[number] if 0 <= number < len(self.files) else ""

    def location(self, addr: int) -> tuple[str, int]:
        """(file, line) the line table gives for addr, or ('', 0)."""
        i = bisect_right(self.addrs, addr) - 1
        if i < 0 or self.row_files[i] < 0:
            return "", 0
        return self.file(self.row_files[i]), self.row_lines[i]

    def chain(self, addr: int) -> list[int]:
        """Scopes containing addr, innermost first: inlined calls, then their function."""
        i = bisect_right(self.bounds, addr) - 1
        scope = self.innermost[i] if i >= 0 else -1
        out: list[int] = []
        while scope >= 0 and len(out) < 256:
            out.append(scope)
            scope = self.scope_parent[scope]
        return out

    def is_inlined(self, scope: int) -> bool:
        """True for an inlined call, False for a function's own code."""
        return self.call_file[scope] >= 0 or self.scope_parent[scope] >= 0


def _restore_cu(values: tuple[Any, ...]) -> CUTable:
    table = CUTable()
    for name, value in zip(CUTable.__slots__, values, strict=True):
        setattr(table, name, value)
    return table


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class DwarfReader:
    """One file's DWARF: the CU index and CU tables, built on request.

    pyelftools reads the unit headers, .debug_aranges and line-program headers; the DIE trees,
    range lists and line programs are walked by ``dwarfscan``, which reads only what is kept.
    """

    def __init__(self, elf: Any) -> None:
        self.info = elf.get_dwarf_info(relocate_dwarf_sections=False)
        self.scan = Reader(_sections(self.info, "<" if elf.little_endian else ">"))
        self._names: dict[int, str] = {}  # by DIE offset: inlined copies share their origin's name
        self._units: dict[int, tuple[Unit, dict[int, Any]]] = {}  # units scanned, by header offset

    def index(self) -> CUIndex:
        """The CU of every address: .debug_aranges, plus the own ranges of each CU it leaves out."""
        ranges: list[tuple[int, int, int]] = []
        aranges = self.info.get_aranges() if self.info.debug_aranges_sec is not None else None
        if aranges is not None:
            ranges += [(e.begin_addr, e.begin_addr + e.length, e.info_offset) for e in aranges.entries]
        covered = {r[2] for r in ranges}
        try:
            for cu in self.info.iter_CUs():  # headers only: cheap even for libc's 2000 units
                if cu.cu_offset not in covered:
                    ranges += [(lo, hi, cu.cu_offset) for lo, hi in self._own_ranges(cu)]
        except Exception:  # noqa: BLE001 - a damaged unit header ends the walk; what was found stays
            if not ranges:
                raise
        return CUIndex(ranges)

    def _own_ranges(self, cu: Any) -> list[tuple[int, int]]:
        """The address ranges a CU's top DIE claims (clang and assembler units skip .debug_aranges)."""
        unit, top = self._unit(cu), cu.get_top_DIE()
        slots: list[Any] = [None] * 9
        for attr, slot in (("DW_AT_low_pc", LOW), ("DW_AT_ranges", RANGES)):
            slots[slot] = _attr(top, attr, None)
        high = top.attributes.get("DW_AT_high_pc")
        if high is not None:
            slots[HIGH] = (high.value, high.form in _ADDRESS_FORMS)
        return self.scan.ranges(slots, unit)

    def cu_table(self, offset: int) -> CUTable:
        """The table of the CU at ``offset`` in .debug_info; a part that fails sets ``problem``."""
        table = CUTable()
        try:
            cu = self.info.get_CU_at(offset)
            top = cu.get_top_DIE()
            unit = self._unit(cu)
        except Exception as e:  # noqa: BLE001 - corrupt DWARF costs this CU, never the run
            table.problem = f"compile unit at 0x{offset:x}: {_reason(e)}"
            return table
        for part in (self._lines, self._scopes):
            try:
                part(cu, top, unit, table)
            except Exception as e:  # noqa: BLE001 - keep whichever half could be read
                table.problem = table.problem or f"compile unit at 0x{offset:x}: {_reason(e)}"
        self._units.clear()  # the DIE maps are only needed while names are being resolved
        return table

    def _unit(self, cu: Any) -> Unit:
        top = cu.get_top_DIE()
        unit = Unit(offset=cu.cu_offset, die_start=cu.cu_die_offset, end=cu.cu_offset + cu.size,
                    version=cu.header.version, addr_size=cu.header.address_size,
                    offset_size=8 if cu.structs.dwarf_format == 64 else 4,
                    abbrev_offset=cu.header.debug_abbrev_offset, base=_attr(top, "DW_AT_low_pc", 0) or 0)
        for attr, name in (("DW_AT_str_offsets_base", "str_offsets_base"), ("DW_AT_addr_base", "addr_base"),
                           ("DW_AT_GNU_addr_base", "addr_base"), ("DW_AT_rnglists_base", "rnglists_base")):
            if attr in top.attributes:
                setattr(unit, name, top.attributes[attr].value)
        return unit

    # --- line table ----------------------------------------------------------------------

    def _lines(self, cu: Any, top: Any, unit: Unit, table: CUTable) -> None:
        program = self.info.line_program_for_CU(cu)
        if program is None:
            return
        rows = line_rows(self.scan.s.line, program.program_start_offset, program.program_end_offset,
                         program.header, unit.addr_size, self.scan.s.endian)
        # A sequence's end shares its address with the next one's start: the start must win.
        rows.sort(key=lambda r: (r[0], r[1] >= 0))
        table.addrs = array("Q", (r[0] for r in rows))
        table.row_files = array("i", (r[1] for r in rows))
        table.row_lines = array("I", (r[2] & 0xFFFFFFFF for r in rows))
        table.files = _file_names(program, unit.version, top)

    # --- scopes --------------------------------------------------------------------------

    def _scopes(self, cu: Any, top: Any, unit: Unit, table: CUTable) -> None:
        kept, scopes = self.scan.scan(unit)
        self._units[unit.offset] = (unit, kept)
        spans: list[tuple[int, int, int, int]] = []  # (low, high, depth, scope)
        name_ids: dict[str, int] = {}
        for scope, (offset, parent, depth) in enumerate(scopes):
            tag, _, slots = kept[offset]
            ranges = self.scan.ranges(slots, unit)
            spans += [(lo, hi, depth, scope) for lo, hi in ranges]
            name = self._name(offset)
            table.scope_name.append(name_ids.setdefault(name, len(name_ids)))
            table.scope_parent.append(parent)
            inlined = tag == TAG_INLINED
            table.call_file.append(min(slots[CALL_FILE] or 0, _MAX_FILE) if inlined else -1)
            table.call_line.append((slots[CALL_LINE] or 0) & 0xFFFFFFFF if inlined else 0)
            # A function in parts (ranges): its lowest address stands for its start; low_pc is only a base.
            low = slots[LOW] if slots[RANGES] is None else None
            table.scope_entry.append(low if low is not None else min((r[0] for r in ranges), default=0))
        table.names = list(name_ids)
        table.bounds, table.innermost = _innermost(spans)

    def _record(self, offset: int) -> tuple[int, int, list[Any]] | None:
        """(tag, parent offset, slots) of a kept DIE, scanning the unit holding it when it is another."""
        for _, kept in self._units.values():
            found = kept.get(offset)
            if found is not None:
                return found
        try:
            cu = self.info.get_CU_containing(offset)  # a DW_FORM_ref_addr into another unit (LTO)
            if cu.cu_offset in self._units or len(self._units) > _MAX_UNITS:
                return None
            unit = self._unit(cu)
            self._units[unit.offset] = (unit, self.scan.scan(unit)[0])
        except Exception:  # noqa: BLE001 - a reference into nowhere leaves one name unqualified
            return None
        return self._units[unit.offset][1].get(offset)

    def _name(self, offset: int) -> str:
        """Linkage name (mangled) along abstract_origin/specification links, else the qualified name."""
        known = self._names.get(offset)
        if known is not None:
            return known
        name, named_at, current = "", -1, offset
        for _ in range(_MAX_HOPS):
            record = self._record(current)
            if record is None:
                break
            slots = record[2]
            if slots[LINKAGE]:
                name, named_at = slots[LINKAGE], -1
                break
            if not name and slots[NAME]:
                name, named_at = slots[NAME], current
            link = slots[ORIGIN] if slots[ORIGIN] is not None else slots[SPEC]
            if link is None:
                break
            current = link
            if name:
                named_at = current  # the declaration sits inside the namespaces that qualify it
        if name and named_at >= 0:
            name = self._qualified(name, named_at)
        self._names[offset] = name
        return name

    def _qualified(self, name: str, offset: int) -> str:
        """``name`` prefixed with the namespaces, types and functions enclosing DIE ``offset``."""
        parts = [name]
        record = self._record(offset)
        parent = record[1] if record is not None else -1
        while parent >= 0 and len(parts) < _MAX_DEPTH:
            record = self._record(parent)
            if record is None:
                break
            tag, parent, slots = record
            if tag in QUALIFYING_TAGS:
                if slots[NAME]:
                    parts.append(slots[NAME])
                elif tag == TAG_NAMESPACE:
                    parts.append("(anonymous namespace)")
                else:  # a C++ closure type has no name; its call operator is what makes it a lambda
                    parts.append("{lambda}" if parts[-1] == "operator()" else "{unnamed type}")
            elif tag == TAG_SUBPROGRAM:  # a function-local type: qualify by the function's own name
                record = self._declaration(record)
                parts.append(record[2][NAME] or "{function}")
                parent = record[1]
            else:
                break
        return "::".join(reversed(parts))

    def _declaration(self, record: tuple[int, int, list[Any]]) -> tuple[int, int, list[Any]]:
        """The DIE a definition's specification or abstract origin leads to (the one with the name)."""
        for _ in range(_MAX_HOPS):
            slots = record[2]
            link = slots[SPEC] if slots[SPEC] is not None else slots[ORIGIN]
            if slots[NAME] or link is None:
                break
            target = self._record(link)
            if target is None:
                break
            record = target
        return record


def _sections(info: Any, endian: str) -> Sections:
    """The bytes of the debug sections pyelftools located (and decompressed)."""
    out = Sections(endian=endian)
    for name in ("info", "abbrev", "str", "line_str", "str_offsets", "addr", "ranges", "rnglists", "line"):
        section = getattr(info, f"debug_{name}_sec", None)
        if section is not None:
            section.stream.seek(0)
            setattr(out, name, section.stream.read())
    return out


def _reason(e: Exception) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__


def _attr(die: Any, name: str, default: Any) -> Any:
    attr = die.attributes.get(name)
    return default if attr is None else attr.value


def _file_names(program: Any, version: int, top: Any) -> list[str]:
    """Paths by file number: directory entry + name, never prefixed with the compilation directory."""
    comp_dir = _text(_attr(top, "DW_AT_comp_dir", ""))
    toolchain = comp_dir.startswith(RUST_TOOLCHAIN_DIR)
    dirs = [_text(d) for d in program["include_directory"]]
    names = []
    for entry in program["file_entry"]:
        name = _text(entry.name)
        index = entry.dir_index
        directory = ""
        if version >= 5:
            directory = dirs[index] if 0 < index < len(dirs) else ""  # 0 is the compilation directory
        elif 0 < index <= len(dirs):
            directory = dirs[index - 1]  # before DWARF 5, 0 meant the compilation directory
        if directory == comp_dir:
            directory = ""
        path = name if posixpath.isabs(name) or not directory else posixpath.join(directory, name)
        if toolchain and not posixpath.isabs(path):
            path = posixpath.join(comp_dir, path)  # Rust's own sources: /rustc/<hash>/library/...
        names.append(path)
    return names if version >= 5 else ["", *names]


def _innermost(spans: list[tuple[int, int, int, int]]) -> tuple[array, array]:
    """Cut nested (low, high, depth, scope) spans into runs that each name their deepest scope."""
    spans.sort()
    points = sorted({p for span in spans for p in span[:2]})
    bounds, innermost = array("Q"), array("i")
    active: list[tuple[int, int, int, int]] = []  # heap: (-depth, -low, high, scope)
    i = 0
    for point in points:
        while i < len(spans) and spans[i][0] <= point:
            low, high, depth, scope = spans[i]
            heapq.heappush(active, (-depth, -low, high, scope))
            i += 1
        while active and active[0][2] <= point:
            heapq.heappop(active)  # ended; deeper-buried ended spans surface and go later
        top = active[0][3] if active else -1
        if not innermost or innermost[-1] != top:
            bounds.append(point)
            innermost.append(top)
    return bounds, innermost
