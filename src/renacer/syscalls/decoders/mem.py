"""Decoders for memory mappings: mmap, munmap, mprotect, brk, madvise, mremap."""

from __future__ import annotations

from ..base import FD, HEX, PTR, ULONG, Call, Decoder, const, flags, ret_hex, sig
from ..xlat.mem import MADVICE, MAP_FLAGS, MAP_TYPE, MREMAP_FLAGS, PROT

MAP_HUGE_SHIFT = 26


def PROT_ARG(c: Call, i: int) -> str:
    return PROT.flags(c.args[i] & 0xFFFFFFFF, "PROT_NONE")


def MAP_ARG(c: Call, i: int) -> str:
    """mmap flags: the mapping type first, then the flag bits (``MAP_PRIVATE|MAP_ANONYMOUS``)."""
    v = c.args[i] & 0xFFFFFFFF
    parts = [MAP_TYPE.value(v & 0xF)]
    huge = v >> MAP_HUGE_SHIFT & 0x3F
    rest = v & ~0xF & ~(0x3F << MAP_HUGE_SHIFT)
    if rest:
        parts.append(MAP_FLAGS.flags(rest))
    if huge:
        parts.append(f"{huge}<<MAP_HUGE_SHIFT")
    return "|".join(parts)


DECODERS: dict[str, Decoder] = {
    "mmap": sig(PTR, ULONG, PROT_ARG, MAP_ARG, FD, HEX, ret=ret_hex),
    "munmap": sig(PTR, ULONG),
    "mprotect": sig(PTR, ULONG, PROT_ARG),
    "pkey_mprotect": sig(PTR, ULONG, PROT_ARG, HEX),
    "brk": sig(PTR, ret=ret_hex),
    "madvise": sig(PTR, ULONG, const(MADVICE, fallback="{:#x} /* MADV_??? */")),
    "mremap": sig(PTR, ULONG, ULONG, flags(MREMAP_FLAGS, width=32), PTR, ret=ret_hex),
    "msync": sig(PTR, ULONG, HEX),
    "mlock": sig(PTR, ULONG),
    "munlock": sig(PTR, ULONG),
}
