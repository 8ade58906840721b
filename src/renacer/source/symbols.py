"""ELF symbol tables: the function symbol containing an address, from .symtab or else .dynsym.

Names are kept as the file spells them (mangled); the symbolizer demangles the few it shows.
The entries are decoded straight from the section bytes (System V ABI ``ElfN_Sym``), which is
an order of magnitude faster than a generic reader on the large tables of Rust binaries.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_right
from typing import Any

_STT_FUNC = 2
_STT_GNU_IFUNC = 10  # an ifunc's value is its resolver: code, so it names addresses too
_SHN_UNDEF = 0
_BINDING_RANK = {1: 0, 2: 1, 0: 2}  # GLOBAL before WEAK before LOCAL among aliases
_LOOKBACK = 8  # symbols scanned backwards for one that contains the address (nested symbols)


class SymbolTable:
    """Sorted function symbols of one file: start, end and raw name; lookup by bisection."""

    __slots__ = ("starts", "ends", "names")

    def __init__(self, starts: array, ends: array, names: list[str]) -> None:
        self.starts = starts
        self.ends = ends
        self.names = names

    def __reduce__(self) -> tuple[Any, ...]:
        return (SymbolTable, (self.starts, self.ends, self.names))

    def __len__(self) -> int:
        return len(self.names)

    def lookup(self, addr: int) -> tuple[str, int] | None:
        """(raw name, start) of the function symbol containing addr, or None."""
        i = bisect_right(self.starts, addr) - 1
        for j in range(i, max(i - _LOOKBACK, -1), -1):
            if addr < self.ends[j]:
                return self.names[j], self.starts[j]
        return None


EMPTY = SymbolTable(array("Q"), array("Q"), [])


def _entries(elf: Any, section: Any) -> list[tuple[int, int, int, str]]:
    """(start, end, binding rank, name) of the sized, defined function symbols of one section."""
    strtab = elf.get_section(section["sh_link"])
    strings = strtab.data()
    data = section.data()
    endian = "<" if elf.little_endian else ">"
    if elf.elfclass == 64:
        fmt, info_at, shndx_at, value_at, size_at = endian + "IBBHQQ", 1, 3, 4, 5
    else:
        fmt, info_at, shndx_at, value_at, size_at = endian + "IIIBBH", 3, 5, 1, 2
    width = struct.calcsize(fmt)
    usable = len(data) - len(data) % width
    out = []
    for entry in struct.iter_unpack(fmt, data[:usable]):
        info = entry[info_at]
        if (info & 0xF) not in (_STT_FUNC, _STT_GNU_IFUNC) or entry[shndx_at] == _SHN_UNDEF:
            continue
        start, size = entry[value_at], entry[size_at]
        name_at = entry[0]
        end_at = strings.find(b"\0", name_at)
        if end_at < 0:
            continue
        name = strings[name_at:end_at].decode("utf-8", "replace")
        out.append((start, start + size if size else 0, _BINDING_RANK.get(info >> 4, 3), name))
    return out


def read_symbols(*elfs: Any) -> SymbolTable:
    """Function symbols of the first .symtab among ``elfs`` (pyelftools ELFFiles), else of a .dynsym."""
    for kind in ("SHT_SYMTAB", "SHT_DYNSYM"):
        for elf in elfs:
            for section in elf.iter_sections(kind):
                if section["sh_type"] == "SHT_NOBITS":
                    continue
                entries = _entries(elf, section)
                if entries:
                    return _table(entries)
    return EMPTY


def _table(entries: list[tuple[int, int, int, str]]) -> SymbolTable:
    # One name per start: among aliases a GLOBAL beats a WEAK beats a LOCAL, then the shortest.
    # A sized alias first: an unsized label (end 0) only names what no sized symbol does.
    entries.sort(key=lambda e: (e[0], e[1] == 0, e[2], len(e[3]), e[3]))
    starts, ends, names = array("Q"), array("Q"), []
    for start, end, _rank, name in entries:
        if starts and starts[-1] == start:
            continue
        if starts and ends[-1] == 0:
            ends[-1] = start  # an unsized label (crt's _init, asm) runs up to the next symbol
        starts.append(start)
        ends.append(end)
        names.append(name)
    if ends and ends[-1] == 0:
        ends[-1] = starts[-1] + 1
    return SymbolTable(starts, ends, names)
