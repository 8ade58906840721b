"""Where a module's DWARF lives: the file itself, its .gnu_debuglink file, or the build-id tree.

Search order (as the brief and GDB's manual describe the conventions):

1. the module itself, when it has a ``.debug_info`` section with contents;
2. the file named by ``.gnu_debuglink``, in the module's directory, its ``.debug/`` subdirectory,
   or ``<DEBUG_ROOT>/<module's directory>/``, accepted only when its CRC-32 matches the link's;
3. ``<DEBUG_ROOT>/.build-id/<first two hex digits>/<rest>.debug``.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import Any

DEBUG_ROOT = "/usr/lib/debug"
_CHUNK = 1 << 20


def has_dwarf(elf: Any) -> bool:
    """True when ``elf`` (a pyelftools ELFFile) holds DWARF debug info itself, not just its stubs."""
    section = elf.get_section_by_name(".debug_info")
    return section is not None and section["sh_type"] != "SHT_NOBITS" and section["sh_size"] > 0


def build_id(elf: Any) -> str:
    """The NT_GNU_BUILD_ID of ``elf`` in hex, or '' when it has none."""
    for section in elf.iter_sections("SHT_NOTE"):
        for note in section.iter_notes():
            if note["n_type"] == "NT_GNU_BUILD_ID" and note["n_name"] == "GNU":
                return str(note["n_desc"])
    return ""


def debuglink(elf: Any) -> tuple[str, int] | None:
    """(file name, CRC-32) from ``.gnu_debuglink``, or None."""
    section = elf.get_section_by_name(".gnu_debuglink")
    if section is None or section["sh_type"] == "SHT_NOBITS":
        return None
    data = section.data()
    end = data.find(b"\0")
    if end <= 0:
        return None
    crc_at = (end + 4) & ~3  # the name, its NUL, padding to 4, then the CRC in the file's byte order
    if crc_at + 4 > len(data):
        return None
    (crc,) = struct.unpack_from("<I" if elf.little_endian else ">I", data, crc_at)
    name = data[:end].decode("utf-8", "replace")
    if "/" in name:
        return None  # a link names a file, never a path: refuse to be steered elsewhere
    return name, crc


def file_crc32(path: str) -> int | None:
    """The CRC-32 (the one .gnu_debuglink records) of a whole file, or None if unreadable."""
    crc = 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                crc = zlib.crc32(chunk, crc)
    except OSError:
        return None
    return crc


def _link_candidates(path: str, name: str) -> list[str]:
    dirs = []
    for where in (os.path.dirname(os.path.abspath(path)), os.path.dirname(os.path.realpath(path))):
        if where not in dirs:
            dirs.append(where)
    out = []
    for where in dirs:
        out += [os.path.join(where, name), os.path.join(where, ".debug", name)]
        out.append(os.path.join(DEBUG_ROOT, where.lstrip("/"), name))
    return out


def build_id_path(bid: str) -> str:
    """The build-id tree's file for ``bid``: <DEBUG_ROOT>/.build-id/ab/cdef....debug."""
    return os.path.join(DEBUG_ROOT, ".build-id", bid[:2], bid[2:] + ".debug")


def find_debug_file(path: str, elf: Any, bid: str) -> str | None:
    """The path of the file holding the DWARF of module ``path`` (opened as ``elf``), or None."""
    if has_dwarf(elf):
        return path
    link = debuglink(elf)
    if link is not None:
        name, crc = link
        own = os.path.realpath(path)
        for candidate in _link_candidates(path, name):
            if os.path.realpath(candidate) == own or not os.path.isfile(candidate):
                continue
            if file_crc32(candidate) == crc:
                return candidate
    if len(bid) > 2:
        candidate = build_id_path(bid)
        if os.path.isfile(candidate):
            return candidate
    return None
