"""ProcessMemory over this very process (process_vm_readv needs no ptrace on oneself)."""

from __future__ import annotations

import ctypes
import mmap
import os

from renacer.backends.ptrace.memory import PAGE, ProcessMemory

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def _two_pages_second_unreadable() -> tuple[mmap.mmap, int]:
    """Two mapped pages; the second made unreadable, so reads running into it stop there."""
    region = mmap.mmap(-1, 2 * PAGE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(region))
    assert _libc.mprotect(base + PAGE, PAGE, 0) == 0  # PROT_NONE
    return region, base


def test_reads_bytes_and_strings_of_a_live_process():
    buf = ctypes.create_string_buffer(b"hello\0world")
    mem = ProcessMemory(os.getpid())
    addr = ctypes.addressof(buf)
    assert mem.read(addr, 11) == b"hello\0world"
    assert mem.read_cstr(addr, 32) == (b"hello", True)
    assert mem.read_cstr(addr, 5) == (b"hello", True)  # exactly the limit, then NUL: complete
    assert mem.read_cstr(addr, 3) == (b"hel", False)  # cut: strace prints "hel"...
    assert mem.read(addr, 0) == b""


def test_unreadable_memory_gives_none_never_an_error():
    mem = ProcessMemory(os.getpid())
    assert mem.read(0, 8) is None
    assert mem.read(8, 8) is None  # the zero page is never mapped
    assert mem.read_cstr(0, 8) is None
    assert mem.read_cstr(8, 8) is None


def test_a_read_running_into_an_unreadable_page_keeps_what_it_got():
    region, base = _two_pages_second_unreadable()
    try:
        mem = ProcessMemory(os.getpid())
        start = base + PAGE - 4
        ctypes.memmove(start, b"abcd", 4)
        assert mem.read(start, 16) == b"abcd"  # the readable head only
        assert mem.read_cstr(start, 64) == (b"abcd", False)  # no NUL before the hole
        assert mem.read(base + PAGE, 4) is None
    finally:
        _libc.mprotect(base + PAGE, PAGE, 3)
        region.close()


def test_long_strings_are_read_in_chunks_across_pages():
    text = b"x" * 3000 + b"\0"
    buf = ctypes.create_string_buffer(text)
    mem = ProcessMemory(os.getpid())
    assert mem.read_cstr(ctypes.addressof(buf), 4096) == (b"x" * 3000, True)
    assert mem.read_cstr(ctypes.addressof(buf), 2000) == (b"x" * 2000, False)


def test_read_spans_reads_many_places_at_once_and_none_for_an_unreadable_one():
    region, base = _two_pages_second_unreadable()
    try:
        mem = ProcessMemory(os.getpid())
        ctypes.memmove(base, b"first", 5)
        ctypes.memmove(base + 100, b"second", 6)
        spans = [(base, 5), (base + 100, 6), (base + PAGE, 8), (base + 200, 2)]
        # the failed span cuts that batch; the reads after it go on in another
        assert mem.read_spans(spans) == [b"first", b"second", None, bytes(2)]
        assert mem.read_spans([(base, 2 * PAGE)]) == [None]  # runs into the hole: not half a span
        assert mem.read_spans([]) == []
    finally:
        _libc.mprotect(base + PAGE, PAGE, 3)
        region.close()


def test_read_gather_joins_its_spans_all_or_nothing():
    region, base = _two_pages_second_unreadable()
    try:
        mem = ProcessMemory(os.getpid())
        ctypes.memmove(base, b"first", 5)
        ctypes.memmove(base + 100, b"second", 6)
        gathered = mem.gather(((base + 100, 6), (base, 5)))
        assert mem.read_gather(gathered) == b"secondfirst"
        ctypes.memmove(base, b"FIRST", 5)
        assert mem.read_gather(gathered) == b"secondFIRST"  # packed once, read anew each time
        assert mem.read_gather(mem.gather(((base, 5), (base + PAGE, 8)))) is None  # one span unreadable
        assert mem.read_gather(mem.gather(((base, 1 << 20),))) is None  # runs into the hole
        assert mem.read_gather(mem.gather(((base, 1),) * 1025)) is None  # more iovecs than one call takes
        assert mem.read_gather(mem.gather(((base, 1),) * 1024)) == b"F" * 1024
    finally:
        _libc.mprotect(base + PAGE, PAGE, 3)
        region.close()
