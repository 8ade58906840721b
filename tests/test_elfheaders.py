"""The struct-based ELF header reader (source.elfheaders) against pyelftools and readelf.

Real files (the system's libraries, compiled C and Rust) must read exactly as pyelftools reads
them; synthetic files cover what this machine does not build: 32-bit and big-endian layouts,
compressed sections, extended section numbering. Each synthetic file is first checked to be
one readelf accepts, with the same build-id. Damaged files read as None, never an exception.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from fidelity import build_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renacer.source.modules import FRAME_SECTIONS, SECTION_CAP, ElfCache, _parse

SYSTEM_LIBS = ("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2",
               "/lib/x86_64-linux-gnu/libm.so.6", "/lib/x86_64-linux-gnu/libgcc_s.so.1", "/bin/ls",
               "/usr/bin/python3")


def pyelftools_image(path: Path) -> tuple:
    """(loads, build-id, {frame section: (bytes, addr)}) as pyelftools reads the file."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        elf = ELFFile(f)
        loads = tuple((s["p_offset"], s["p_vaddr"], s["p_filesz"], bool(s["p_flags"] & 1))
                      for s in elf.iter_segments() if s["p_type"] == "PT_LOAD")
        build_id = ""
        sec = elf.get_section_by_name(".note.gnu.build-id")
        for note in sec.iter_notes() if sec is not None else ():
            if note["n_type"] == "NT_GNU_BUILD_ID":
                build_id = note["n_desc"]
        sections = {}
        for name in FRAME_SECTIONS:
            sec = elf.get_section_by_name(name)
            if sec is not None and sec["sh_type"] != "SHT_NOBITS" and sec["sh_size"] <= SECTION_CAP:
                sections[name] = (bytes(sec.data()), sec["sh_addr"])
    return loads, build_id, sections


def ours(data: bytes):
    return _parse(io.BytesIO(data), ("test",))


def as_tuple(image) -> tuple:
    loads = tuple((s.offset, s.vaddr, s.filesz, s.executable) for s in image.loads)
    return loads, image.build_id, {name: (s.data, s.addr) for name, s in image.sections.items()}


@pytest.fixture(scope="module")
def real_files() -> list[Path]:
    built = [build_program("source_demo.c"), build_program("source_demo.c", ["-O2", "-g", "-gz=zlib"]),
             build_program("source_demo.c", ["-g", "-fno-asynchronous-unwind-tables"]),
             build_program("source_demo.rs")]
    return [*built, *(Path(p) for p in SYSTEM_LIBS if Path(p).exists())]


def test_real_files_read_as_pyelftools_reads_them(real_files):
    assert len(real_files) >= 7
    for path in real_files:
        image = ElfCache().open(str(path))
        assert image is not None, path
        assert as_tuple(image) == pyelftools_image(path), path
        assert image.build_id and image.loads, path
        assert ".eh_frame" in image.sections or ".debug_frame" in image.sections, path


def test_a_debug_frame_only_file_keeps_its_debug_frame(real_files):
    image = ElfCache().open(str(real_files[2]))
    assert image is not None and len(image.sections[".debug_frame"].data) > 0


# ---- synthetic files -------------------------------------------------------------------

EH_FRAME = bytes(range(256)) * 3
DEBUG_FRAME = b"a debug frame of some length " * 40
BUILD_ID = bytes.fromhex("0123456789abcdef0123456789abcdef01234567")


def synthetic(wide: bool, big: bool, compress: bool = False, extended: bool = False) -> bytes:
    """An executable ELF file: PT_LOAD + PT_NOTE, a build-id note, .eh_frame, .debug_frame."""
    e = ">" if big else "<"
    word = "Q" if wide else "I"
    ehsize, phentsize, shentsize = (64, 56, 64) if wide else (52, 32, 40)
    note = struct.pack(e + "III", 4, len(BUILD_ID), 3) + b"GNU\0" + BUILD_ID
    debug = DEBUG_FRAME
    flags = 0
    if compress:
        chdr = (struct.pack(e + "IIQQ", 1, 0, len(DEBUG_FRAME), 8) if wide
                else struct.pack(e + "III", 1, len(DEBUG_FRAME), 8))
        debug, flags = chdr + zlib.compress(DEBUG_FRAME), 0x800
    names = b"\0.note.gnu.build-id\0.eh_frame\0.debug_frame\0.shstrtab\0"
    phoff = ehsize
    note_off = phoff + 2 * phentsize
    eh_off = note_off + len(note)
    debug_off = eh_off + len(EH_FRAME)
    names_off = debug_off + len(debug)
    shoff = (names_off + len(names) + 7) & ~7
    end = shoff + 5 * shentsize
    base = 0x400000
    if wide:
        ph = [struct.pack(e + "IIQQQQQQ", 1, 5, 0, base, base, end, end, 0x1000),
              struct.pack(e + "IIQQQQQQ", 4, 4, note_off, base + note_off, base + note_off, len(note),
                          len(note), 4)]
    else:
        ph = [struct.pack(e + "IIIIIIII", 1, 0, base, base, end, end, 5, 0x1000),
              struct.pack(e + "IIIIIIII", 4, note_off, base + note_off, base + note_off, len(note),
                          len(note), 4, 4)]
    shfmt = e + ("IIQQQQIIQQ" if wide else "IIIIIIIIII")
    sh = [struct.pack(shfmt, 0, 0, 0, 0, 0, 5 if extended else 0, 4 if extended else 0, 0, 0, 0),
          struct.pack(shfmt, names.index(b".note"), 7, 2, base + note_off, note_off, len(note), 0, 0, 4, 0),
          struct.pack(shfmt, names.index(b".eh_frame"), 1, 2, base + eh_off, eh_off, len(EH_FRAME), 0, 0, 8,
                      0),
          struct.pack(shfmt, names.index(b".debug_frame"), 1, flags, 0, debug_off, len(debug), 0, 0, 8, 0),
          struct.pack(shfmt, names.index(b".shstrtab"), 3, 0, 0, names_off, len(names), 0, 0, 1, 0)]
    ident = b"\x7fELF" + bytes([2 if wide else 1, 2 if big else 1, 1]) + bytes(9)
    header = ident + struct.pack(e + "HHI" + word * 3 + "IHHHHHH", 2, 62 if wide else 3, 1, base, phoff,
                                 shoff, 0,
                                 ehsize, phentsize, 2, shentsize, 0 if extended else 5,
                                 0xFFFF if extended else 4)
    body = header + b"".join(ph) + note + EH_FRAME + debug + names
    return body + bytes(shoff - len(body)) + b"".join(sh)


@pytest.mark.parametrize("wide", [True, False], ids=["64-bit", "32-bit"])
@pytest.mark.parametrize("big", [False, True], ids=["little-endian", "big-endian"])
@pytest.mark.parametrize("variant", ["plain", "compressed", "extended numbering"])
def test_synthetic_files_read_as_built_and_as_readelf_reads_them(wide, big, variant, tmp_path):
    data = synthetic(wide, big, compress=variant == "compressed", extended=variant == "extended numbering")
    path = tmp_path / "synthetic.elf"
    path.write_bytes(data)
    shown = subprocess.run(["readelf", "-nlSW", str(path)], capture_output=True, text=True)
    assert shown.returncode == 0 and "Error" not in shown.stderr, shown.stderr
    assert f"Build ID: {BUILD_ID.hex()}" in shown.stdout
    assert re.search(r"\.debug_frame\s+PROGBITS", shown.stdout)
    image = ours(data)
    assert image is not None
    assert image.build_id == BUILD_ID.hex()
    loads = [(s.offset, s.vaddr, s.filesz, s.executable) for s in image.loads]
    assert loads == [(0, 0x400000, len(data), True)]
    assert image.sections[".eh_frame"].data == EH_FRAME
    assert image.sections[".debug_frame"].data == DEBUG_FRAME
    assert ".eh_frame_hdr" not in image.sections


def test_a_zstd_compressed_section_is_left_out_not_misread():
    data = bytearray(synthetic(True, False, compress=True))
    at = data.index(struct.pack("<IIQ", 1, 0, len(DEBUG_FRAME)))
    data[at:at + 4] = struct.pack("<I", 2)  # ELFCOMPRESS_ZSTD
    image = ours(bytes(data))
    assert image is not None and ".debug_frame" not in image.sections and ".eh_frame" in image.sections


@pytest.mark.parametrize("cut", [0, 3, 20, 60, 200, -100, -1])
def test_a_truncated_file_is_refused_not_half_read(cut):
    data = synthetic(True, False)  # its section headers are at the end: any cut loses some
    assert ours(data) is not None and ours(data[:cut]) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=12),
       st.booleans(), st.booleans())
def test_any_damage_reads_as_an_image_or_none_never_an_error(edits, wide, big):
    data = bytearray(synthetic(wide, big, compress=True))
    for at, value in edits:
        if at < len(data):
            data[at] = value
    image = ours(bytes(data))
    assert image is None or isinstance(image.build_id, str)


def test_not_elf_at_all():
    assert ours(b"") is None
    assert ours(b"#!/bin/sh\necho hi\n" * 10) is None
    assert ours(b"\x7fELF" + bytes(60)) is None  # class 0
