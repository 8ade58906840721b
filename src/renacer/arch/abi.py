"""Kernel ABI facts the decoders need that differ between architectures: struct layouts, flag
values, argument orders. An Arch carries one Abi; a decoder reads the facts from it and never asks
which machine it runs on.

Every value here was read from the architecture's uapi headers (x86_64: asm/*.h; aarch64:
arch/arm64's asm/*.h, which mostly include asm-generic/*.h). What both share stays in the
decoders' own tables under syscalls/xlat/.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Layout:
    """A C struct as Python's ``struct`` reads it: a little-endian format, one name per value read."""

    fmt: str
    fields: tuple[str, ...]

    @property
    def size(self) -> int:
        """The bytes the format covers (the struct's size when the format reads it all)."""
        return struct.calcsize(self.fmt)

    def unpack(self, data: bytes) -> dict[str, int]:
        """The named values of ``data`` (which holds at least ``size`` bytes)."""
        return dict(zip(self.fields, struct.unpack_from(self.fmt, data), strict=True))


# eq=False: Abis are singletons, compared and hashed by identity (catalog caches a table per Abi)
@dataclass(frozen=True, eq=False)
class Abi:
    """One architecture's kernel ABI, as far as argument decoding needs it."""

    name: str
    # asm/fcntl.h: the four O_* bits an architecture may move; O_TMPFILE is __O_TMPFILE|O_DIRECTORY
    o_directory: int
    o_nofollow: int
    o_direct: int
    o_largefile: int
    stat: Layout  # struct stat as fstat/newfstatat fill it (asm/stat.h)
    epoll_event: Layout  # struct epoll_event, packed on x86_64 only (linux/eventpoll.h)
    semid_ds: Layout  # struct semid64_ds after its ipc64_perm (asm/sembuf.h): x86_64 pads each time
    clone_args: tuple[str, ...]  # clone's five arguments in register order (CLONE_BACKWARDS on arm64)
    sigreturn_mask_at: int  # rt_sigreturn: how far above sp uc_sigmask sits in the signal frame
    map_flags: tuple[tuple[int, str], ...]  # MAP_* bits only this arch has (asm/mman.h), as strace names them
    ptrace_requests: tuple[tuple[int, str], ...]  # ptrace requests of this arch's own (asm/ptrace.h)
    # struct user as PTRACE_PEEKUSER addresses it (sys/user.h): registers (8 bytes each), then the
    # other members by offset, and its size; all empty where PEEKUSER is not offered (arm64)
    user_regs: tuple[str, ...] = ()
    user_members: tuple[tuple[int, str], ...] = ()
    user_size: int = 0


_STAT_X86_64 = Layout(
    "<QQQIII4xQqqqqqqqqq",
    ("st_dev", "st_ino", "st_nlink", "st_mode", "st_uid", "st_gid", "st_rdev", "st_size", "st_blksize",
     "st_blocks", "st_atime", "st_atime_nsec", "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec"),
)
# asm-generic/stat.h: mode and nlink are u32 and come before uid; an int st_blksize with padding
_STAT_GENERIC = Layout(
    "<QQIIIIQ8xqi4xqqQqQqQ",
    ("st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev", "st_size", "st_blksize",
     "st_blocks", "st_atime", "st_atime_nsec", "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec"),
)

X86_64_ABI = Abi(
    name="x86_64",
    o_directory=0o200000,
    o_nofollow=0o400000,
    o_direct=0o40000,
    o_largefile=0o100000,
    stat=_STAT_X86_64,
    epoll_event=Layout("<IQ", ("events", "data")),
    semid_ds=Layout("<qQqQQ", ("sem_otime", "__unused1", "sem_ctime", "__unused2", "sem_nsems")),
    clone_args=("flags", "stack", "parent_tid", "child_tid", "tls"),
    # the restorer's ret popped pretcode, so sp is &frame.uc: uc_flags, uc_link, uc_stack (24),
    # uc_mcontext (256), then uc_sigmask
    sigreturn_mask_at=8 + 8 + 24 + 256,
    map_flags=((0x40, "MAP_32BIT"),),
    ptrace_requests=(
        (12, "PTRACE_GETREGS"),
        (13, "PTRACE_SETREGS"),
        (14, "PTRACE_GETFPREGS"),
        (15, "PTRACE_SETFPREGS"),
        (18, "PTRACE_GETFPXREGS"),
        (19, "PTRACE_SETFPXREGS"),
        (21, "PTRACE_OLDSETOPTIONS"),
        (25, "PTRACE_GET_THREAD_AREA"),
        (26, "PTRACE_SET_THREAD_AREA"),
        (30, "PTRACE_ARCH_PRCTL"),
        (31, "PTRACE_SYSEMU"),
        (32, "PTRACE_SYSEMU_SINGLESTEP"),
        (33, "PTRACE_SINGLEBLOCK"),
    ),
    user_regs=(
        "R15", "R14", "R13", "R12", "RBP", "RBX", "R11", "R10", "R9", "R8", "RAX", "RCX", "RDX", "RSI", "RDI",
        "ORIG_RAX", "RIP", "CS", "EFLAGS", "RSP", "SS", "FS_BASE", "GS_BASE", "DS", "ES", "FS", "GS",
    ),
    user_members=(
        (216, "u_fpvalid"),
        (224, "i387"),
        (736, "u_tsize"),
        (744, "u_dsize"),
        (752, "u_ssize"),
        (760, "start_code"),
        (768, "start_stack"),
        (776, "signal"),
        (784, "reserved"),
        (792, "u_ar0"),
        (800, "u_fpstate"),
        (808, "magic"),
        (816, "u_comm"),
        (848, "u_debugreg"),
    ),
    user_size=912,
)

AARCH64_ABI = Abi(
    name="aarch64",
    o_directory=0o40000,
    o_nofollow=0o100000,
    o_direct=0o200000,
    o_largefile=0o400000,
    stat=_STAT_GENERIC,
    epoll_event=Layout("<I4xQ", ("events", "data")),
    semid_ds=Layout("<qqQ", ("sem_otime", "sem_ctime", "sem_nsems")),
    clone_args=("flags", "stack", "parent_tid", "tls", "child_tid"),
    # the frame is at sp (vdso's __kernel_rt_sigreturn): a 128-byte siginfo, then the ucontext's
    # uc_flags, uc_link and uc_stack (24), then uc_sigmask (asm/ucontext.h)
    sigreturn_mask_at=128 + 8 + 8 + 24,
    # PROT_BTI (0x10) and PROT_MTE (0x20) are arm64's (asm/mman.h), but strace 6.1 names neither,
    # so they print in hex as there; no MAP_* bit is arm64's own
    map_flags=(),
    ptrace_requests=(
        (31, "PTRACE_SYSEMU"),
        (32, "PTRACE_SYSEMU_SINGLESTEP"),
        (33, "PTRACE_PEEKMTETAGS"),
        (34, "PTRACE_POKEMTETAGS"),
    ),
)
