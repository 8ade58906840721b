"""Memory constant tables (values from asm-generic/mman-common.h, asm/mman.h, linux/membarrier.h)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from . import Xlat

if TYPE_CHECKING:
    from ...arch.abi import Abi

PROT = Xlat.of(
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (0x01000000, "PROT_GROWSDOWN"),
    (0x02000000, "PROT_GROWSUP"),
)
# The mapping type is the low four bits, printed first.
MAP_TYPE = Xlat.of((0x1, "MAP_SHARED"), (0x2, "MAP_PRIVATE"), (0x3, "MAP_SHARED_VALIDATE"))
# The bits every arch shares (asm-generic/mman*.h); an arch's own are in its Abi (MAP_32BIT).
_MAP_FLAGS = (
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
    (0x4000000, "MAP_UNINITIALIZED"),
)


@cache
def map_flags(abi: Abi) -> Xlat:
    """mmap's flag bits on ``abi``'s arch, in ascending order as strace prints them."""
    return Xlat(tuple(sorted(_MAP_FLAGS + abi.map_flags)))
MADVICE = Xlat.of(
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
)
MREMAP_FLAGS = Xlat.of((1, "MREMAP_MAYMOVE"), (2, "MREMAP_FIXED"), (4, "MREMAP_DONTUNMAP"))
# Order follows strace's output (observed): MS_SYNC first.
MSYNC_FLAGS = Xlat.of((4, "MS_SYNC"), (1, "MS_ASYNC"), (2, "MS_INVALIDATE"))
MLOCK_FLAGS = Xlat.of((1, "MLOCK_ONFAULT"),)
MCL_FLAGS = Xlat.of((1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT"))
PKEY_ACCESS = Xlat.of((1, "PKEY_DISABLE_ACCESS"), (2, "PKEY_DISABLE_WRITE"), (4, "PKEY_DISABLE_EXECUTE"))
MEMBARRIER_CMDS = Xlat.of(
    (0, "MEMBARRIER_CMD_QUERY"),
    (1 << 0, "MEMBARRIER_CMD_GLOBAL"),
    (1 << 1, "MEMBARRIER_CMD_GLOBAL_EXPEDITED"),
    (1 << 2, "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED"),
    (1 << 3, "MEMBARRIER_CMD_PRIVATE_EXPEDITED"),
    (1 << 4, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"),
    (1 << 5, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE"),
    (1 << 6, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE"),
    (1 << 7, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ"),
    (1 << 8, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"),
)
MEMBARRIER_FLAGS = Xlat.of((1, "MEMBARRIER_CMD_FLAG_CPU"),)
