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

_SCOPE_TAGS = ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine")
_ADDRESS_FORMS = ("DW_FORM_addr", "DW_FORM_addrx", "DW_FORM_addrx1", "DW_FORM_addrx2", "DW_FORM_addrx3",
                  "DW_FORM_addrx4", "DW_FORM_GNU_addr_index")
_QUALIFYING_TAGS = ("DW_TAG_namespace", "DW_TAG_structure_type", "DW_TAG_class_type", "DW_TAG_union_type",
                    "DW_TAG_enumeration_type", "DW_TAG_interface_type")
RUST_TOOLCHAIN_DIR = "/rustc/"  # where rustc remaps the standard library's compilation directory
_MAX_HOPS = 8  # abstract_origin/specification links followed; a cycle in bad DWARF stops here
_MAX_DEPTH = 64  # enclosing namespaces/types named in a qualified name


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
    """One file's DWARF, read with pyelftools: the CU index and CU tables, built on request."""

    def __init__(self, elf: Any) -> None:
        self.info = elf.get_dwarf_info(relocate_dwarf_sections=False)
        self._names: dict[int, str] = {}

    def index(self) -> CUIndex:
        """The CU of every address, from .debug_aranges when present, else each CU's own ranges."""
        aranges = self.info.get_aranges() if self.info.debug_aranges_sec is not None else None
        if aranges is not None and aranges.entries:
            return CUIndex([(e.begin_addr, e.begin_addr + e.length, e.info_offset) for e in aranges.entries])
        ranges = []
        for cu in self.info.iter_CUs():
            top = cu.get_top_DIE()
            ranges += [(lo, hi, cu.cu_offset) for lo, hi in self._ranges(top, cu, 0)]
        return CUIndex(ranges)

    def cu_table(self, offset: int) -> CUTable:
        """The table of the CU at ``offset`` in .debug_info; a part that fails sets ``problem``."""
        table = CUTable()
        try:
            cu = self.info.get_CU_at(offset)
            top = cu.get_top_DIE()
        except Exception as e:  # noqa: BLE001 - corrupt DWARF costs this CU, never the run
            table.problem = f"compile unit at 0x{offset:x}: {e or type(e).__name__}"
            return table
        for part in (self._lines, self._scopes):
            try:
                part(cu, top, table)
            except Exception as e:  # noqa: BLE001 - keep whichever half could be read
                table.problem = table.problem or f"compile unit at 0x{offset:x}: {e or type(e).__name__}"
        return table

    # --- line table ----------------------------------------------------------------------

    def _lines(self, cu: Any, top: Any, table: CUTable) -> None:
        program = self.info.line_program_for_CU(cu)
        if program is None:
            return
        rows = []
        for entry in program.get_entries():
            state = entry.state
            if state is not None:
                rows.append((state.address, -1 if state.end_sequence else state.file, state.line))
        # A sequence's end shares its address with the next one's start: the start must win.
        rows.sort(key=lambda r: (r[0], r[1] >= 0))
        table.addrs = array("Q", (r[0] for r in rows))
        table.row_files = array("i", (r[1] for r in rows))
        table.row_lines = array("I", (r[2] for r in rows))
        table.files = _file_names(program, cu.header.version, top)

    # --- scopes --------------------------------------------------------------------------

    def _scopes(self, cu: Any, top: Any, table: CUTable) -> None:
        base = _attr(top, "DW_AT_low_pc", 0)
        found: list[tuple[Any, int, int]] = []  # (DIE, enclosing scope, depth)
        stack: list[int] = []  # the scope each open DIE's children belong to
        for die in cu.iter_DIEs():
            if die.is_null():
                if stack:
                    stack.pop()
                continue
            enclosing = stack[-1] if stack else -1
            here = enclosing
            attrs = die.attributes
            if die.tag in _SCOPE_TAGS and ("DW_AT_low_pc" in attrs or "DW_AT_ranges" in attrs):
                here = len(found)
                found.append((die, enclosing if die.tag == "DW_TAG_inlined_subroutine" else -1, len(stack)))
            if die.has_children:
                stack.append(here)
        spans: list[tuple[int, int, int, int]] = []  # (low, high, depth, scope)
        name_ids: dict[str, int] = {}
        for scope, (die, parent, depth) in enumerate(found):
            ranges = self._ranges(die, cu, base)
            spans += [(lo, hi, depth, scope) for lo, hi in ranges]
            name = self._name(die)
            table.scope_name.append(name_ids.setdefault(name, len(name_ids)))
            table.scope_parent.append(parent)
            inlined = die.tag == "DW_TAG_inlined_subroutine"
            table.call_file.append(_attr(die, "DW_AT_call_file", 0) if inlined else -1)
            table.call_line.append(_attr(die, "DW_AT_call_line", 0) if inlined else 0)
            entry = _attr(die, "DW_AT_low_pc", None)
            table.scope_entry.append(entry if entry is not None else min((r[0] for r in ranges), default=0))
        table.names = list(name_ids)
        table.bounds, table.innermost = _innermost(spans)

    def _ranges(self, die: Any, cu: Any, base: int) -> list[tuple[int, int]]:
        attrs = die.attributes
        if "DW_AT_ranges" in attrs:
            lists = self.info.range_lists()
            if lists is None:
                return []
            out = []
            for entry in lists.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
                if hasattr(entry, "base_address"):
                    base = entry.base_address
                elif entry.is_absolute:
                    out.append((entry.begin_offset, entry.end_offset))
                else:
                    out.append((base + entry.begin_offset, base + entry.end_offset))
            return out
        if "DW_AT_low_pc" not in attrs:
            return []
        low = attrs["DW_AT_low_pc"].value
        high = attrs.get("DW_AT_high_pc")
        if high is None:
            return [(low, low + 1)]
        return [(low, high.value if high.form in _ADDRESS_FORMS else low + high.value)]

    def _name(self, die: Any) -> str:
        """Linkage name (mangled) along abstract_origin/specification links, else the qualified name."""
        known = self._names.get(die.offset)
        if known is not None:
            return known
        name, named_at, current = "", die, die
        for _ in range(_MAX_HOPS):
            attrs = current.attributes
            linkage = attrs.get("DW_AT_linkage_name") or attrs.get("DW_AT_MIPS_linkage_name")
            if linkage is not None:
                name, named_at = _text(linkage.value), None
                break
            if not name and "DW_AT_name" in attrs:
                name, named_at = _text(attrs["DW_AT_name"].value), current
            link = "DW_AT_abstract_origin" if "DW_AT_abstract_origin" in attrs else "DW_AT_specification"
            if link not in attrs:
                break
            current = current.get_DIE_from_attribute(link)
            if name:
                named_at = current  # the declaration sits inside the namespaces that qualify it
        if name and named_at is not None:
            name = _qualified(name, named_at)
        self._names[die.offset] = name
        return name


def _attr(die: Any, name: str, default: Any) -> Any:
    attr = die.attributes.get(name)
    return default if attr is None else attr.value


def _qualified(name: str, die: Any) -> str:
    """``name`` prefixed with the namespaces, types and functions enclosing ``die``."""
    parts = [name]
    parent = die.get_parent()
    while parent is not None and len(parts) < _MAX_DEPTH:
        if parent.tag in _QUALIFYING_TAGS:
            attr = parent.attributes.get("DW_AT_name")
            if attr is not None:
                parts.append(_text(attr.value))
            elif parent.tag == "DW_TAG_namespace":
                parts.append("(anonymous namespace)")
            else:  # a C++ closure type has no name; its call operator is what makes it a lambda
                parts.append("{lambda}" if parts[-1] == "operator()" else "{unnamed type}")
        elif parent.tag == "DW_TAG_subprogram":  # a function-local type: qualify by the function
            parent = _declaration(parent)
            attr = parent.attributes.get("DW_AT_name")
            parts.append(_text(attr.value) if attr is not None else "{function}")
        else:
            break
        parent = parent.get_parent()
    return "::".join(reversed(parts))


def _declaration(die: Any) -> Any:
    """The DIE a definition's specification or abstract origin leads to (the one with the name)."""
    for _ in range(_MAX_HOPS):
        attrs = die.attributes
        if "DW_AT_name" in attrs:
            break
        link = "DW_AT_specification" if "DW_AT_specification" in attrs else "DW_AT_abstract_origin"
        if link not in attrs:
            break
        die = die.get_DIE_from_attribute(link)
    return die


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
