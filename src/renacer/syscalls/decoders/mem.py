"""Decoders for memory: mappings, advice, locking, residency, barriers, keys, cross-process copies."""

from __future__ import annotations

from ...arch.abi import Abi
from ..base import (
    FD,
    HEX,
    INT,
    PTR,
    ULONG,
    ArgFormatter,
    Call,
    Decoder,
    composite,
    hexnum,
    noted_flags,
    noted_value,
    out,
    ret_hex,
    sig,
)
from ..format import ptr
from ..xlat.mem import (
    MADVICE,
    MAP_TYPE,
    MCL_FLAGS,
    MEMBARRIER_CMDS,
    MEMBARRIER_FLAGS,
    MLOCK_FLAGS,
    MREMAP_FLAGS,
    MSYNC_FLAGS,
    PKEY_ACCESS,
    PROT,
    map_flags,
)
from .common import failed
from .msg import iovec_text

MAP_HUGE_SHIFT = 26
PAGE_SIZE = 4096
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2
MEMBARRIER_CMD_QUERY = 0
MEMBARRIER_CMD_FLAG_CPU = 1


PROT_ARG = noted_flags(PROT, "PROT_???", zero="PROT_NONE")


def map_flags_arg(abi: Abi) -> ArgFormatter:
    """mmap flags: the mapping type first, then the flag bits (``MAP_PRIVATE|MAP_ANONYMOUS``)."""
    table = map_flags(abi)

    def fmt(c: Call, i: int) -> str:
        v = c.args[i] & 0xFFFFFFFF
        parts = [MAP_TYPE.value(v & 0xF)]
        huge = v >> MAP_HUGE_SHIFT & 0x3F
        rest = v & ~0xF & ~(0x3F << MAP_HUGE_SHIFT)
        if rest:
            parts.append(table.flags(rest))
        if huge:
            parts.append(f"{huge}<<MAP_HUGE_SHIFT")
        return "|".join(parts)

    return composite(fmt)  # one number under -X raw, as strace


# ---- mremap, membarrier: arguments that depend on another ---------------------------------

_MREMAP_FLAGS = noted_flags(MREMAP_FLAGS, "MREMAP_???")


def _mremap_enter(c: Call) -> list[str]:
    """The new address prints only when MREMAP_MAYMOVE|MREMAP_FIXED make the kernel use it."""
    pieces = [PTR(c, 0), ULONG(c, 1), ULONG(c, 2), _MREMAP_FLAGS(c, 3)]
    moving = MREMAP_MAYMOVE | MREMAP_FIXED
    return pieces + [PTR(c, 4)] if c.args[3] & moving == moving else pieces


_MEMBARRIER_CMD = noted_value(MEMBARRIER_CMDS, "MEMBARRIER_CMD_???")
_MEMBARRIER_FLAGS = noted_flags(MEMBARRIER_FLAGS, "MEMBARRIER_CMD_FLAG_???")


def _membarrier_enter(c: Call) -> list[str]:
    """cmd and flags; the cpu only when MEMBARRIER_CMD_FLAG_CPU says it is used."""
    pieces = [_MEMBARRIER_CMD(c, 0), _MEMBARRIER_FLAGS(c, 1)]
    return pieces + [INT(c, 2)] if c.args[1] & MEMBARRIER_CMD_FLAG_CPU else pieces


def _membarrier_ret(c: Call) -> str:
    """A QUERY returns the supported commands: ``0x1ff (MEMBARRIER_CMD_GLOBAL|...)``."""
    if c.args[0] & 0xFFFFFFFF != MEMBARRIER_CMD_QUERY or c.retval == 0:
        return str(c.retval)
    return f"{hexnum(c.retval)} ({MEMBARRIER_CMDS.flags(c.retval)})"


# ---- mincore, process_vm_readv/writev ------------------------------------------------------


def MINCORE_VEC(c: Call, i: int) -> str:
    """The residency vector, one byte a page: ``[1, 0, 0]``, cut to -s entries."""
    addr = c.args[i]
    if failed(c) or addr == 0:
        return ptr(addr)
    pages = (c.args[1] + PAGE_SIZE - 1) // PAGE_SIZE
    shown = min(pages, c.opts.string_limit)
    data = c.mem.read(addr, shown) if shown else b""
    if data is None or len(data) < shown:
        return ptr(addr)
    more = ", ..." if pages > shown else ""
    return "[" + ", ".join(str(b) for b in data) + more + "]"


def _local_iov_read(c: Call, i: int) -> str:
    """process_vm_readv's local vectors, filled with ``retval`` bytes; bare bases if it failed."""
    count = c.args[i + 1]
    return iovec_text(c, c.args[i], count, None if failed(c) else c.retval, contents=not failed(c))


def _local_iov_write(c: Call, i: int) -> str:
    return iovec_text(c, c.args[i], c.args[i + 1], None)


def _remote_iov(c: Call, i: int) -> str:
    """The other process's vectors: only their bases and lengths, never their bytes."""
    return iovec_text(c, c.args[i], c.args[i + 1], None, contents=False)


DECODERS: dict[str, Decoder] = {
    "munmap": sig(PTR, ULONG),
    "mprotect": sig(PTR, ULONG, PROT_ARG),
    "pkey_mprotect": sig(PTR, ULONG, PROT_ARG, INT),
    "pkey_alloc": sig(HEX, noted_flags(PKEY_ACCESS, "PKEY_???")),
    "pkey_free": sig(INT),
    "brk": sig(PTR, ret=ret_hex),
    "madvise": sig(PTR, ULONG, noted_value(MADVICE, "MADV_???")),
    "mremap": Decoder(_mremap_enter, ret=ret_hex),
    "msync": sig(PTR, ULONG, noted_flags(MSYNC_FLAGS, "MS_???")),
    "mlock": sig(PTR, ULONG),
    "munlock": sig(PTR, ULONG),
    "mlock2": sig(PTR, ULONG, noted_flags(MLOCK_FLAGS, "MLOCK_???")),
    "mlockall": sig(noted_flags(MCL_FLAGS, "MCL_???")),
    "munlockall": sig(),
    "mincore": sig(PTR, ULONG, out(MINCORE_VEC)),
    "membarrier": Decoder(_membarrier_enter, ret=_membarrier_ret),
    "process_vm_readv": sig(INT, out(_local_iov_read), ULONG, _remote_iov, ULONG, ULONG),
    "process_vm_writev": sig(INT, _local_iov_write, ULONG, _remote_iov, ULONG, ULONG),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """mmap, whose flag bits include the architecture's own."""
    return {"mmap": sig(PTR, ULONG, PROT_ARG, map_flags_arg(abi), FD, HEX, ret=ret_hex)}
