"""The decoders an aarch64 Arch gets: its struct layouts, flag values and argument orders.

Runs on any host: each test fabricates the bytes an aarch64 tracee would hold (arm64's uapi
layouts) and checks the line against what strace prints on aarch64 (renacer's x86_64 text,
which matches strace, with arm64's values). x86_64 keeps its own decoders, checked alongside.
"""

from __future__ import annotations

import struct

import pytest
from decoding import Memory

from renacer.arch import Arch, by_name
from renacer.arch.abi import AARCH64_ABI, X86_64_ABI
from renacer.events import args_text
from renacer.syscalls.base import Call, DecodeOptions, result_text
from renacer.syscalls.catalog import decoder_for
from renacer.syscalls.decoders.signal import siginfo_text

AT_FDCWD = -100 & 0xFFFFFFFFFFFFFFFF
BUF, OUT = 0x1000, 0x2000


AARCH64 = by_name("aarch64")
X86_64 = by_name("x86_64")


def line(arch: Arch, name: str, args: tuple[int, ...], regions: dict[int, bytes] | None = None,
         retval: int = 0, *, verbose_structs: bool = False, sp: int = 0) -> str:
    """A finished call as strace prints it on ``arch``, decoded by the decoder renacer picks there."""
    dec = decoder_for(arch, name)
    opts = DecodeOptions(abbrev=not verbose_structs)
    call = Call(name, args + (0,) * (6 - len(args)), Memory(dict(regions or {})), opts, sp=sp)
    entry = tuple(dec.enter(call))
    has_exit = dec.exits(call)
    call.exiting, call.retval = True, retval
    exit_ = tuple(dec.exit(call)) if has_exit and dec.exit is not None else ()
    return f"{name}({args_text(entry, exit_, dec.joint)}) = {result_text(call, dec)}"


def test_the_aarch64_arch_carries_the_aarch64_abi() -> None:
    assert AARCH64.abi is AARCH64_ABI
    assert X86_64.abi is X86_64_ABI
    # one table per Abi, built once
    assert decoder_for(AARCH64, "fstat") is decoder_for(AARCH64, "fstat")
    assert decoder_for(AARCH64, "fstat") is not decoder_for(X86_64, "fstat")


# ---- struct stat: asm-generic's layout ----------------------------------------------------------


def generic_stat(mode: int, size: int = 0, rdev: int = 0) -> bytes:
    """arm64's struct stat (asm-generic/stat.h): u32 mode and nlink, an int st_blksize, 128 bytes."""
    data = struct.pack("<QQIIIIQ8xqi4xqqQqQqQ8x", 0x801, 1234, mode, 2, 1000, 100, rdev, size, 4096, 8,
                       0, 11, 0, 22, 0, 33)
    assert len(data) == 128
    return data


def test_fstat_reads_the_generic_stat_layout() -> None:
    mem = {BUF: generic_stat(0o100644, size=5678)}
    assert line(AARCH64, "fstat", (3, BUF), mem) == "fstat(3, {st_mode=S_IFREG|0644, st_size=5678, ...}) = 0"
    assert line(AARCH64, "newfstatat", (AT_FDCWD, OUT, BUF, 0x100), {**mem, OUT: b"/etc\0"}) == (
        'newfstatat(AT_FDCWD, "/etc", {st_mode=S_IFREG|0644, st_size=5678, ...}, AT_SYMLINK_NOFOLLOW) = 0')


def test_fstat_verbose_prints_every_member_from_the_generic_layout() -> None:
    mem = {BUF: generic_stat(0o20620, rdev=0x8803)}
    assert line(AARCH64, "fstat", (0, BUF), mem, verbose_structs=True) == (
        "fstat(0, {st_dev=makedev(0x8, 0x1), st_ino=1234, st_mode=S_IFCHR|0620, st_nlink=2, st_uid=1000, "
        "st_gid=100, st_blksize=4096, st_blocks=8, st_rdev=makedev(0x88, 0x3), st_atime=0, st_atime_nsec=11, "
        "st_mtime=0, st_mtime_nsec=22, st_ctime=0, st_ctime_nsec=33}) = 0")


def test_a_short_stat_prints_its_pointer() -> None:
    assert line(AARCH64, "fstat", (3, BUF), {BUF: generic_stat(0o100644)[:100]}) == "fstat(3, 0x1000) = 0"


# ---- struct epoll_event: 16 bytes, not packed ----------------------------------------------------


def epoll_events(*events: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<I4xQ", ev, data) for ev, data in events)


def test_epoll_wait_reads_16_byte_events() -> None:
    mem = {BUF: epoll_events((1, 7), (4, 0x100000008))}
    assert line(AARCH64, "epoll_pwait", (4, BUF, 8, -1 & 0xFFFFFFFF, 0, 8), mem, retval=2) == (
        "epoll_pwait(4, [{events=EPOLLIN, data={u32=7, u64=7}}, "
        "{events=EPOLLOUT, data={u32=8, u64=4294967304}}], 8, -1, NULL, 8) = 2")
    assert line(AARCH64, "epoll_wait", (4, BUF, 8, 0), mem, retval=1) == (
        "epoll_wait(4, [{events=EPOLLIN, data={u32=7, u64=7}}], 8, 0) = 1")
    assert line(AARCH64, "epoll_pwait2", (4, BUF, 8, 0, 0, 8), mem, retval=1) == (
        "epoll_pwait2(4, [{events=EPOLLIN, data={u32=7, u64=7}}], 8, NULL, NULL, 8) = 1")


def test_epoll_ctl_reads_a_16_byte_event() -> None:
    mem = {BUF: epoll_events((0x80000001, 5))}
    assert line(AARCH64, "epoll_ctl", (4, 1, 5, BUF), mem) == (
        "epoll_ctl(4, EPOLL_CTL_ADD, 5, {events=EPOLLIN|EPOLLET, data={u32=5, u64=5}}) = 0")
    # the same bytes read packed (x86_64) put the padding into data
    assert "u32=0, u64=21474836480" in line(X86_64, "epoll_ctl", (4, 1, 5, BUF), mem)


# ---- clone: CLONE_BACKWARDS puts tls before child_tid ---------------------------------------------


def test_clone_names_tls_and_child_tid_from_arm64_registers() -> None:
    flags = 0x3D0F00  # what pthread_create passes
    mem = {0x3000: struct.pack("<i", 1235)}
    text = line(AARCH64, "clone", (flags, 0xFFFF0000, 0x3000, 0x7777, 0x9999), mem, retval=1235)
    assert text == (
        "clone(child_stack=0xffff0000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
        "CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[1235], tls=0x7777, "
        "child_tidptr=0x9999) = 1235")
    assert line(X86_64, "clone", (flags, 0xFFFF0000, 0x3000, 0x9999, 0x7777), mem, retval=1235) == text


def test_fork_through_clone_shows_child_tidptr_from_the_fifth_register() -> None:
    assert line(AARCH64, "clone", (0x01200011, 0, 0, 0, 0xFFFF8A8E10F0), retval=42) == (
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
        "child_tidptr=0xffff8a8e10f0) = 42")


# ---- open flags: asm/fcntl.h moves four of them ----------------------------------------------------

O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE = 0o40000, 0o100000, 0o200000, 0o400000
O_NONBLOCK, O_CLOEXEC, O_RDWR, O_TMPFILE = 0o4000, 0o2000000, 2, 0o20000000 | O_DIRECTORY


def test_openat_names_arm64_flag_values() -> None:
    mem = {BUF: b"/tmp\0"}
    assert line(AARCH64, "openat", (AT_FDCWD, BUF, O_NONBLOCK | O_CLOEXEC | O_DIRECTORY), mem, retval=3) == (
        'openat(AT_FDCWD, "/tmp", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3')
    assert line(AARCH64, "openat", (AT_FDCWD, BUF, O_DIRECT | O_LARGEFILE | O_NOFOLLOW), mem, retval=3) == (
        'openat(AT_FDCWD, "/tmp", O_RDONLY|O_DIRECT|O_LARGEFILE|O_NOFOLLOW) = 3')
    # x86_64 reads the same bits as other flags: 0o200000 is its O_DIRECTORY
    assert line(X86_64, "openat", (AT_FDCWD, BUF, O_DIRECT), mem, retval=3) == (
        'openat(AT_FDCWD, "/tmp", O_RDONLY|O_DIRECTORY) = 3')


def test_o_tmpfile_includes_arm64_o_directory_and_takes_a_mode() -> None:
    args = (AT_FDCWD, BUF, O_RDWR | O_TMPFILE, 0o600)
    assert line(AARCH64, "openat", args, {BUF: b"/tmp\0"}, retval=3) == (
        'openat(AT_FDCWD, "/tmp", O_RDWR|O_TMPFILE, 0600) = 3')


def test_fcntl_and_pipe2_use_arm64_flag_values() -> None:
    assert line(AARCH64, "fcntl", (3, 3), retval=O_LARGEFILE | O_RDWR) == (
        "fcntl(3, F_GETFL) = 0x20002 (flags O_RDWR|O_LARGEFILE)")
    assert line(AARCH64, "fcntl", (3, 4, O_NONBLOCK | O_DIRECT)) == (
        "fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK|O_DIRECT) = 0")
    assert line(AARCH64, "pipe2", (BUF, O_DIRECT | O_CLOEXEC), {BUF: struct.pack("<ii", 3, 4)}) == (
        "pipe2([3, 4], O_DIRECT|O_CLOEXEC) = 0")


# ---- struct semid64_ds: no padding after the times ---------------------------------------------------


def test_semctl_ipc_stat_reads_the_generic_semid_ds() -> None:
    perm = struct.pack("<iIIIIIHH4xQQ", 0, 0, 0, 0, 0, 0o640, 0, 0, 0, 0)
    sem = perm + struct.pack("<qqQQQ", 100, 200, 3, 0, 0)
    assert line(AARCH64, "semctl", (0, 0, 2, BUF), {BUF: sem}) == (
        "semctl(0, 0, IPC_STAT, {sem_perm={uid=0, gid=0, mode=0640, key=0, cuid=0, cgid=0}, "
        "sem_otime=100, sem_ctime=200, sem_nsems=3}) = 0")


# ---- rt_sigreturn: the frame starts at sp ------------------------------------------------------------


def test_rt_sigreturn_reads_the_mask_after_siginfo_and_the_ucontext_head() -> None:
    sp = 0xFFFFC000
    frame = bytes(128) + bytes(40) + struct.pack("<Q", 1 << 9 | 1 << 1)  # uc_sigmask at 168: USR1, INT
    assert line(AARCH64, "rt_sigreturn", (), {sp: frame}, sp=sp) == "rt_sigreturn({mask=[INT USR1]}) = 0"


# ---- SIGSYS names the syscall from the aarch64 table -------------------------------------------------


def test_sigsys_names_an_aarch64_syscall() -> None:
    info = struct.pack("<iii4xQiI", 31, 0, 1, 0x400100, 172, 0xC00000B7).ljust(128, b"\0")
    assert siginfo_text(info) == ("{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x400100, "
                                  "si_syscall=__NR_getpid, si_arch=AUDIT_ARCH_AARCH64}")


# ---- mman.h: no MAP_32BIT; PROT_BTI and PROT_MTE, which strace 6.1 leaves in hex -----------------------


def test_mmap_flags_have_no_map_32bit_on_arm64() -> None:
    args = (0, 4096, 3, 0x62, -1 & 0xFFFFFFFFFFFFFFFF, 0)
    assert line(AARCH64, "mmap", args, retval=0xFFFF0000) == (
        "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|0x40, -1, 0) = 0xffff0000")
    assert line(X86_64, "mmap", args, retval=0xFFFF0000) == (
        "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0) = 0xffff0000")


def test_mprotect_with_prot_bti_prints_as_strace_6_1_does() -> None:
    assert line(AARCH64, "mprotect", (0xFFFF0000, 4096, 0x15)) == (
        "mprotect(0xffff0000, 4096, PROT_READ|PROT_EXEC|0x10) = 0")


# ---- ptrace: arm64's requests, no struct user ------------------------------------------------------


def test_ptrace_requests_and_user_offsets_are_arm64s() -> None:
    assert line(AARCH64, "ptrace", (31, 123, 0, 0)) == "ptrace(PTRACE_SYSEMU, 123, NULL, 0) = 0"
    assert line(AARCH64, "ptrace", (33, 123, 0x1000, 0x2000)) == (
        "ptrace(PTRACE_PEEKMTETAGS, 123, 0x1000, 0x2000) = 0")
    # x86_64's own requests are unknown numbers here
    assert line(AARCH64, "ptrace", (30, 123, 1, 2)) == "ptrace(0x1e /* PTRACE_??? */, 123, 0x1, 0x2) = 0"
    assert line(X86_64, "ptrace", (30, 123, 1, 2)) == "ptrace(PTRACE_ARCH_PRCTL, 123, 0x1, 0x2) = 0"
    # PEEKUSER has no struct user to name on arm64: the offset is an address
    peek = line(AARCH64, "ptrace", (3, 123, 0x50, BUF), {BUF: struct.pack("<Q", 0x1234)})
    assert peek == "ptrace(PTRACE_PEEKUSER, 123, 0x50, [0x1234]) = 0"
    assert "8*RAX" in line(X86_64, "ptrace", (3, 123, 0x50, BUF), {BUF: struct.pack("<Q", 0x1234)})


def test_ptrace_getregset_names_arm64_notes() -> None:
    mem = {BUF: struct.pack("<QQ", 0x5000, 272)}
    assert line(AARCH64, "ptrace", (0x4204, 123, 1, BUF), mem) == (
        "ptrace(PTRACE_GETREGSET, 123, NT_PRSTATUS, {iov_base=0x5000, iov_len=272}) = 0")
    assert line(AARCH64, "ptrace", (0x4204, 123, 0x401, BUF), mem).startswith(
        "ptrace(PTRACE_GETREGSET, 123, NT_ARM_TLS, ")


@pytest.mark.parametrize("name", ["fstat", "newfstatat", "epoll_wait", "epoll_pwait", "epoll_pwait2",
                                  "epoll_ctl", "clone", "openat", "fcntl", "pipe2", "rt_sigreturn", "mmap",
                                  "ptrace", "semctl", "openat2", "mq_open", "dup3"])
def test_every_abi_dependent_call_has_an_aarch64_decoder(name: str) -> None:
    assert decoder_for(AARCH64, name) is not decoder_for(X86_64, name)
