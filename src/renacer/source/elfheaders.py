"""The headers of an ELF file, read with struct: what a module map needs on every run.

Every traced program maps a handful of ELF files, and the unwinder needs of each only its
PT_LOAD headers, its build-id and a few sections by name. Reading those with pyelftools costs
its import (about 30 ms) and some milliseconds per file; this reader does the same in well
under one, so a run with a warm symbolization cache never imports pyelftools at all. The
layouts are the System V gABI's (elf.h): 32- and 64-bit, either byte order.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

PT_LOAD, PT_NOTE = 1, 4
SHT_NOBITS = 8
SHF_COMPRESSED = 0x800
ELFCOMPRESS_ZLIB = 1
NT_GNU_BUILD_ID = 3
SHN_XINDEX, PN_XNUM = 0xFFFF, 0xFFFF
MAX_HEADERS = 1 << 16  # program or section headers: more than this is not a file to trust


class BadElf(ValueError):
    """The file is not an ELF file this reader can make sense of."""


class ElfHeaders:
    """An ELF file's program headers, section headers and section names; sections read on demand."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        ident = self._at(0, 64)
        if len(ident) < 52 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise BadElf("not an ELF file")
        self.wide = ident[4] == 2
        e = "<" if ident[5] == 1 else ">"
        self.order = e
        if self.wide:
            (phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(
                e + "QQIHHHHHH", ident, 32)
            self._ph, self._sh = struct.Struct(e + "IIQQQQQQ"), struct.Struct(e + "IIQQQQIIQQ")
        else:
            (phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(
                e + "IIIHHHHHH", ident, 28)
            self._ph, self._sh = struct.Struct(e + "IIIIIIII"), struct.Struct(e + "IIIIIIIIII")
        if phnum and phentsize < self._ph.size or shnum and shentsize < self._sh.size:
            raise BadElf("header entries too small")
        first = self._section_header(shoff, shentsize, 0) if shoff else None
        if first is not None:  # extended numbering: the real counts live in section header 0
            shnum = shnum or first[5]
            shstrndx = first[6] if shstrndx == SHN_XINDEX else shstrndx
            phnum = first[7] if phnum == PN_XNUM else phnum
        if phnum > MAX_HEADERS or shnum > MAX_HEADERS:
            raise BadElf("too many headers")
        self.segments = [self._segment(phoff, phentsize, i) for i in range(phnum)]
        self.sections: dict[str, tuple] = {}
        headers = [self._section_header(shoff, shentsize, i) for i in range(shnum)] if shoff else []
        if headers and shstrndx < len(headers):
            names = self._at(headers[shstrndx][4], headers[shstrndx][5])
            for h in headers:
                end = names.find(b"\0", h[0])
                name = names[h[0]:end if end >= 0 else len(names)].decode("utf-8", "replace")
                self.sections.setdefault(name, h)

    def _at(self, offset: int, size: int) -> bytes:
        self.f.seek(offset)
        return self.f.read(size)

    def _segment(self, phoff: int, entsize: int, i: int) -> tuple[int, int, int, int, int, int]:
        """(p_type, p_flags, p_offset, p_vaddr, p_filesz, p_align) of program header ``i``."""
        raw = self._at(phoff + i * entsize, self._ph.size)
        if len(raw) < self._ph.size:
            raise BadElf("truncated program headers")
        f = self._ph.unpack(raw)
        if self.wide:  # p_type p_flags p_offset p_vaddr p_paddr p_filesz p_memsz p_align
            return f[0], f[1], f[2], f[3], f[5], f[7]
        # p_type p_offset p_vaddr p_paddr p_filesz p_memsz p_flags p_align
        return f[0], f[6], f[1], f[2], f[4], f[7]

    def _section_header(self, shoff: int, entsize: int, i: int) -> tuple[int, ...]:
        """(sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info) of header ``i``."""
        raw = self._at(shoff + i * entsize, self._sh.size)
        if len(raw) < self._sh.size:
            raise BadElf("truncated section headers")
        return self._sh.unpack(raw)[:8]

    def section(self, name: str, cap: int) -> tuple[bytes, int] | None:
        """(bytes, sh_addr) of a section (decompressed if it is), None if absent, empty or over ``cap``."""
        h = self.sections.get(name)
        if h is None or h[1] == SHT_NOBITS or h[5] > cap:
            return None
        data = self._at(h[4], h[5])
        if len(data) < h[5]:
            raise BadElf(f"{name} runs past the end of the file")
        if h[2] & SHF_COMPRESSED:
            chdr = struct.Struct(self.order + ("IIQQ" if self.wide else "III"))
            if len(data) < chdr.size:
                raise BadElf(f"{name}: truncated compression header")
            kind, size = chdr.unpack_from(data)[0], chdr.unpack_from(data)[-2]
            if kind != ELFCOMPRESS_ZLIB or size > cap:
                return None  # zstd, or too big once inflated: left out as if absent
            inflate = zlib.decompressobj()
            data = inflate.decompress(data[chdr.size:], size)
        return data, h[3]

    def build_id(self) -> str:
        """The NT_GNU_BUILD_ID note's bytes in hex (from PT_NOTE segments, else the note section)."""
        for kind, _, offset, _, filesz, align in self.segments:
            if kind == PT_NOTE:
                found = self._note(self._at(offset, min(filesz, 1 << 20)), 8 if align == 8 else 4)
                if found:
                    return found
        h = self.sections.get(".note.gnu.build-id")
        return self._note(self._at(h[4], min(h[5], 1 << 20)), 4) if h is not None else ""

    def _note(self, data: bytes, align: int) -> str:
        at = 0
        while at + 12 <= len(data):
            namesz, descsz, kind = struct.unpack_from(self.order + "III", data, at)
            name_at = at + 12
            desc_at = name_at + -(-namesz // align) * align
            end = desc_at + -(-descsz // align) * align
            if desc_at + descsz > len(data):
                return ""
            if kind == NT_GNU_BUILD_ID and data[name_at:name_at + namesz] == b"GNU\0":
                return data[desc_at:desc_at + descsz].hex()
            at = end
        return ""
