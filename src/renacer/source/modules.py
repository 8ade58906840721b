"""The modules a process has mapped: /proc/PID/maps -> ELF files, their build-ids and load biases.

Each ELF file is parsed once (by ``elfheaders``: program headers, notes and section headers)
and shared by every process that maps it; the parse keeps only what the unwinder needs (PT_LOAD
headers, the build-id, the call-frame sections' bytes), so no file stays open.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import BinaryIO

from .elfheaders import PT_LOAD, BadElf, ElfHeaders

# Sections the unwinder reads; anything bigger than the cap is left out (the module falls
# back to frame pointers) so a hostile file cannot make the tracer hold gigabytes.
FRAME_SECTIONS = (".eh_frame_hdr", ".eh_frame", ".debug_frame")
SECTION_CAP = 64 << 20
IMAGE_CAPACITY = 128  # parsed ELF files kept for reuse across processes
PAGE = 4096
_PF_X = 1
DEBUG_ROOT = "/usr/lib/debug/.build-id"


@dataclass(frozen=True, slots=True)
class Module:
    """One executable mapping of a file: where it is, which build, and its load bias."""

    path: str  # as /proc/PID/maps names it (' (deleted)' dropped); '[vdso]' for the vDSO
    start: int
    end: int
    offset: int  # file offset of the mapping
    bias: int  # absolute address - link-time address
    build_id: str  # NT_GNU_BUILD_ID in hex; '' if none

    def relative(self, addr: int) -> int:
        """``addr`` in the module's own (link-time) addresses."""
        return addr - self.bias


@dataclass(frozen=True, slots=True)
class Segment:
    """A PT_LOAD program header: file bytes [offset, offset+filesz) at link-time vaddr."""

    offset: int
    vaddr: int
    filesz: int
    executable: bool


@dataclass(frozen=True, slots=True)
class Section:
    """A section's bytes and its link-time address."""

    data: bytes
    addr: int


@dataclass(frozen=True, slots=True)
class ElfImage:
    """What the unwinder needs of one ELF file, read once; ``key`` names the exact file content."""

    key: tuple
    build_id: str
    loads: tuple[Segment, ...]
    sections: dict[str, Section]

    def bias(self, start: int, file_offset: int) -> int:
        """The load bias of a mapping of this file at ``start`` from ``file_offset``."""
        chosen = None
        for seg in self.loads:
            if seg.offset - seg.offset % PAGE <= file_offset < seg.offset + max(seg.filesz, 1):
                chosen = seg
                if seg.executable:
                    break
        if chosen is None:
            return start - file_offset
        return start - (chosen.vaddr - chosen.offset + file_offset)


def _parse(stream: BinaryIO, key: tuple) -> ElfImage | None:
    """Parse an ELF stream; None when it is not a readable ELF file."""
    try:
        elf = ElfHeaders(stream)
        loads = tuple(Segment(offset, vaddr, filesz, bool(flags & _PF_X))
                      for kind, flags, offset, vaddr, filesz, _ in elf.segments if kind == PT_LOAD)
        sections: dict[str, Section] = {}
        for name in FRAME_SECTIONS:
            found = elf.section(name, SECTION_CAP)
            if found is not None:
                sections[name] = Section(*found)
        return ElfImage(key, elf.build_id(), loads, sections)
    except (BadElf, OSError, struct.error, zlib.error, OverflowError):
        return None


class ElfCache:
    """Parsed ELF files shared by every process of a run, keyed by file identity (bounded LRU)."""

    def __init__(self, capacity: int = IMAGE_CAPACITY, debug_root: str = DEBUG_ROOT) -> None:
        self._images: OrderedDict[tuple, ElfImage | None] = OrderedDict()
        self._capacity = capacity
        self.debug_root = debug_root  # where separate debug files live, by build-id

    def _remember(self, key: tuple, image: ElfImage | None) -> ElfImage | None:
        self._images[key] = image
        if len(self._images) > self._capacity:
            self._images.popitem(last=False)
        return image

    def _cached(self, key: tuple) -> tuple[bool, ElfImage | None]:
        if key in self._images:
            self._images.move_to_end(key)
            return True, self._images[key]
        return False, None

    def open(self, *paths: str) -> ElfImage | None:
        """The ELF file at the first of ``paths`` that opens (parsed once per identity), or None."""
        for path in paths:
            try:
                f = open(path, "rb")  # noqa: SIM115 - closed below on every path
            except OSError:
                continue
            with f:
                try:
                    st = os.fstat(f.fileno())
                except OSError:
                    return None
                key = ("file", st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
                hit, image = self._cached(key)
                if hit:
                    return image
                return self._remember(key, _parse(f, key))
        return None

    def from_memory(self, data: bytes) -> ElfImage | None:
        """An ELF image read out of a process (the vDSO), parsed once per content."""
        key = ("memory", len(data), hash(data))
        hit, image = self._cached(key)
        if hit:
            return image
        return self._remember(key, _parse(io.BytesIO(data), key))

    def debug_file(self, build_id: str) -> ElfImage | None:
        """The separate debug file of a build-id (/usr/lib/debug/.build-id/xx/rest.debug), or None."""
        if len(build_id) < 3:
            return None
        return self.open(f"{self.debug_root}/{build_id[:2]}/{build_id[2:]}.debug")


@dataclass(frozen=True, slots=True)
class Mapping:
    """One line of /proc/PID/maps."""

    start: int
    end: int
    perms: str
    offset: int
    path: str


def parse_maps(text: str) -> list[Mapping]:
    """The lines of a /proc/PID/maps text (malformed lines skipped)."""
    out = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        try:
            lo, _, hi = parts[0].partition("-")
            start, end, offset = int(lo, 16), int(hi, 16), int(parts[2], 16)
        except ValueError:
            continue
        path = parts[5] if len(parts) == 6 else ""
        if path.endswith(" (deleted)"):
            path = path[: -len(" (deleted)")]
        out.append(Mapping(start, end, parts[1], offset, path))
    return out


class ModuleMap:
    """The executable mappings of one process, sorted by address, with their ELF images."""

    __slots__ = ("modules", "images", "anonymous", "text", "_starts")

    def __init__(self, modules: list[tuple[Module, ElfImage | None]], anonymous: list[tuple[int, int]]):
        modules.sort(key=lambda m: m[0].start)
        self.modules = tuple(m for m, _ in modules)
        self.images = tuple(i for _, i in modules)
        self.anonymous = tuple(sorted(anonymous))  # executable memory of no file: JIT code
        self._starts = [m.start for m in self.modules]
        self.text = ""  # the /proc/PID/maps text it was read from

    @classmethod
    def read(cls, pid: int, elves: ElfCache | None = None, memory=None, previous: ModuleMap | None = None
             ) -> ModuleMap:
        """The module map of ``pid`` now; empty when /proc/PID/maps cannot be read.

        ``memory`` (a MemoryReader of the process) lets the vDSO's image be read for its CFI;
        ``previous`` is returned as is when the maps have not changed since it was read.
        """
        try:
            with open(f"/proc/{pid}/maps") as f:
                text = f.read()
        except OSError:
            text = ""
        if previous is not None and previous.text == text:
            return previous
        maps = cls.from_mappings(pid, parse_maps(text), elves or ElfCache(), memory)
        maps.text = text
        return maps

    @classmethod
    def from_mappings(cls, pid: int, mappings: list[Mapping], elves: ElfCache, memory=None) -> ModuleMap:
        """The module map of parsed mappings (files opened through /proc/PID/map_files when possible)."""
        modules: list[tuple[Module, ElfImage | None]] = []
        anonymous = []
        for m in mappings:
            if "x" not in m.perms:
                continue
            if not m.path:
                anonymous.append((m.start, m.end))
                continue
            if m.path.startswith("["):
                image = None
                if m.path == "[vdso]" and memory is not None:
                    data = memory.read(m.start, m.end - m.start)
                    image = elves.from_memory(data) if data else None
            else:
                # the exact file mapped, even if deleted or replaced on disk since (needs root)
                image = elves.open(f"/proc/{pid}/map_files/{m.start:x}-{m.end:x}", m.path)
            bias = image.bias(m.start, m.offset) if image else m.start - m.offset
            if m.path == "[vsyscall]":
                bias = 0  # fixed legacy page: its addresses are its own
            build_id = image.build_id if image else ""
            modules.append((Module(m.path, m.start, m.end, m.offset, bias, build_id), image))
        return cls(modules, anonymous)

    def _index(self, addr: int) -> int:
        i = bisect_right(self._starts, addr) - 1
        return i if i >= 0 and addr < self.modules[i].end else -1

    def find(self, addr: int) -> Module | None:
        """The module whose executable mapping holds ``addr``, or None."""
        i = self._index(addr)
        return self.modules[i] if i >= 0 else None

    def locate(self, addr: int) -> tuple[Module, ElfImage | None] | None:
        """The module holding ``addr`` and its parsed ELF image (None for a non-ELF mapping)."""
        i = self._index(addr)
        return (self.modules[i], self.images[i]) if i >= 0 else None

    def is_jit(self, addr: int) -> bool:
        """Whether ``addr`` is in anonymous executable memory (code generated at run time)."""
        return any(lo <= addr < hi for lo, hi in self.anonymous)

