"""What an ELF file says about the CPython runtime it may hold: _PyRuntime, Py_Version and PyCode_Type.

A CPython executable or libpython puts its ``_PyRuntime`` in a section of its own,
``.PyRuntime`` (so tools find it without symbols); ``Py_Version`` (3.11+) and ``PyCode_Type``
are exported in ``.dynsym`` for extension modules, so even a stripped interpreter has them.
"""

from __future__ import annotations

import os
import struct
from collections import OrderedDict
from dataclasses import dataclass

from ..source.elfheaders import PT_LOAD, BadElf, ElfHeaders

SYMBOLS_CAP = 16 << 20  # .dynsym/.dynstr bigger than this are not read
_CAPACITY = 64
_SHN_UNDEF = 0


@dataclass(frozen=True, slots=True)
class RuntimeImage:
    """Link-time addresses of one interpreter file's runtime objects (None: not exported)."""

    runtime: int  # _PyRuntime
    runtime_file_offset: int  # where _PyRuntime's initial bytes are in the file (-1: in .bss, none)
    version_symbol: int | None  # Py_Version (3.11+)
    code_type: int | None  # PyCode_Type


def dynamic_symbols(elf: ElfHeaders, names: tuple[str, ...]) -> dict[str, int]:
    """{name: st_value} of the defined ``.dynsym`` symbols among ``names``."""
    symtab, strtab = elf.section(".dynsym", SYMBOLS_CAP), elf.section(".dynstr", SYMBOLS_CAP)
    if symtab is None or strtab is None or not elf.wide:
        return {}
    strings = strtab[0]
    # a name's offsets in the string table (tail-merged strings may start mid-way through another)
    wanted: dict[int, str] = {}
    for name in names:
        needle = name.encode() + b"\0"
        at = strings.find(needle)
        while at >= 0:
            wanted[at] = name
            at = strings.find(needle, at + 1)
    found: dict[str, int] = {}
    sym = struct.Struct(elf.order + "IBBHQQ")  # Elf64_Sym: name info other shndx value size
    for st_name, _, _, shndx, value, _ in sym.iter_unpack(symtab[0][: len(symtab[0]) // sym.size * sym.size]):
        name = wanted.get(st_name)
        if name is not None and shndx != _SHN_UNDEF:
            found.setdefault(name, value)
    return found


def _file_offset(elf: ElfHeaders, vaddr: int) -> int:
    """The file offset of link-time address ``vaddr``; -1 when no file bytes back it (.bss)."""
    for kind, _, offset, seg_vaddr, filesz, _ in elf.segments:
        if kind == PT_LOAD and seg_vaddr <= vaddr < seg_vaddr + filesz:
            return offset + vaddr - seg_vaddr
    return -1


def runtime_image(path: str) -> RuntimeImage | None:
    """The runtime addresses of the ELF file at ``path``; None when it holds no CPython runtime."""
    try:
        with open(path, "rb") as f:
            elf = ElfHeaders(f)
            symbols = dynamic_symbols(elf, ("_PyRuntime", "Py_Version", "PyCode_Type"))
            section = elf.sections.get(".PyRuntime")
            if section is not None and section[3]:
                runtime, offset = section[3], section[4]
            elif "_PyRuntime" in symbols:
                runtime = symbols["_PyRuntime"]  # before 3.11 (no section; 3.9: in .bss)
                offset = _file_offset(elf, runtime)
            else:
                return None
    except (OSError, BadElf, struct.error, ValueError):
        return None
    return RuntimeImage(runtime, offset, symbols.get("Py_Version"), symbols.get("PyCode_Type"))


class RuntimeImages:
    """``runtime_image`` of files, remembered by file identity (bounded LRU)."""

    def __init__(self, capacity: int = _CAPACITY) -> None:
        self._images: OrderedDict[tuple, RuntimeImage | None] = OrderedDict()
        self._capacity = capacity

    def get(self, *paths: str) -> RuntimeImage | None:
        """The runtime image of the first of ``paths`` that exists, parsed once per file identity."""
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            if key in self._images:
                self._images.move_to_end(key)
                return self._images[key]
            image = self._images[key] = runtime_image(path)
            if len(self._images) > self._capacity:
                self._images.popitem(last=False)
            return image
        return None
