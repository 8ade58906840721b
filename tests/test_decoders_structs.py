"""Unit tests for decoders that read tracee memory, over a small in-memory MemoryReader."""

from __future__ import annotations

import struct

from decoding import line


def test_openat_and_failed_read_pointer() -> None:
    mem = {0x1000: b"/etc/ld.so.cache\0"}
    assert line("openat", (2**64 - 100, 0x1000, 0o2000000), mem, retval=3) == (
        'openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3'
    )
    failed = line("read", (3, 0x5000, 10), retval=-9, error=9)
    assert failed == "read(3, 0x5000, 10) = -1 EBADF (Bad file descriptor)"


def test_newfstatat_prints_abbreviated_stat() -> None:
    st = struct.pack("<QQQIII4xQq", 1, 2, 1, 0o100644, 0, 0, 0, 34547).ljust(144, b"\0")
    mem = {0x1000: b"\0", 0x2000: st}
    assert line("newfstatat", (3, 0x1000, 0x2000, 0x1000), mem) == (
        'newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=34547, ...}, AT_EMPTY_PATH) = 0'
    )


def test_mmap_returns_hex_and_orders_flags() -> None:
    assert line("mmap", (0, 8192, 3, 0x22, 2**64 - 1, 0), retval=0x7F4802B37000) == (
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f4802b37000"
    )


def test_execve_argv_and_env_count() -> None:
    argv = struct.pack("<QQQ", 0x3000, 0x3010, 0)
    env = struct.pack("<QQQ", 0x3000, 0x3000, 0)
    strings = b"cat\0".ljust(16, b"\0") + b"/etc/hostname\0"
    mem = {0x1000: b"/usr/bin/cat\0", 0x2000: argv, 0x2800: env, 0x3000: strings}
    assert line("execve", (0x1000, 0x2000, 0x2800), mem) == (
        'execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x2800 /* 2 vars */) = 0'
    )


def test_prlimit64_and_getrandom() -> None:
    mem = {0x1000: struct.pack("<QQ", 8192 * 1024, 2**64 - 1), 0x2000: bytes([0x9C, 0x34, 0x36])}
    assert line("prlimit64", (0, 3, 0, 0x1000), mem) == (
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
    )
    text = line("getrandom", (0x2000, 3, 1), mem, retval=3)
    assert text == 'getrandom("\\x9c\\x34\\x36", 3, GRND_NONBLOCK) = 3'


def test_rt_sigaction_and_sigprocmask() -> None:
    act = struct.pack("<QQQQ", 0x7F0000001000, 0x1C000004, 0x7F0000002000, 0)
    mem = {0x1000: act, 0x2000: struct.pack("<Q", 1 << 16)}
    assert line("rt_sigaction", (32, 0x1000, 0, 8), mem) == (
        "rt_sigaction(SIGRTMIN, {sa_handler=0x7f0000001000, sa_mask=[], "
        "sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f0000002000}, NULL, 8) = 0"
    )
    text = line("rt_sigprocmask", (0, 0x2000, 0x2000, 8), mem)
    assert text == "rt_sigprocmask(SIG_BLOCK, [CHLD], [CHLD], 8) = 0"


def test_rt_sigreturn_reads_the_mask_above_the_stack_pointer() -> None:
    mem = {0x9000: b"\0" * 296 + struct.pack("<Q", 2)}
    assert line("rt_sigreturn", (), mem, sp=0x9000) == "rt_sigreturn({mask=[INT]}) = 0"


def test_clone_and_wait4() -> None:
    flags = 0x01200000 | 17
    assert line("clone", (flags, 0, 0, 0x7F00, 0), retval=4345) == (
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
        "child_tidptr=0x7f00) = 4345"
    )
    mem = {0x1000: struct.pack("<i", 11 | 0x80)}
    assert line("wait4", (4345, 0x1000, 0, 0), mem, retval=4345) == (
        "wait4(4345, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 4345"
    )


def test_clone3_shows_the_parent_tid_the_kernel_wrote() -> None:
    args = struct.pack("<11Q", 0x3D0F00, 0, 0x2000, 0x2000, 0, 0x7F0000000000, 0x7FFF80, 0x3000, 0, 0, 0)
    mem = {0x1000: args, 0x2000: struct.pack("<i", 4344)}
    assert line("clone3", (0x1000, 88), mem, retval=4344) == (
        "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS"
        "|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x2000, parent_tid=0x2000, exit_signal=0, "
        "stack=0x7f0000000000, stack_size=0x7fff80, tls=0x3000} => {parent_tid=[4344]}, 88) = 4344"
    )


def test_fcntl_ioctl_pipe2_and_futex() -> None:
    getfl = line("fcntl", (255, 3), retval=0x8000)
    assert getfl == "fcntl(255, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)"
    assert line("fcntl", (3, 2, 1)) == "fcntl(3, F_SETFD, FD_CLOEXEC) = 0"
    assert line("ioctl", (1, 0x5401, 0x1000), error=25) == (
        "ioctl(1, TCGETS, 0x1000) = -1 ENOTTY (Inappropriate ioctl for device)"
    )
    mem = {0x1000: struct.pack("<HHHH", 24, 80, 0, 0), 0x2000: struct.pack("<ii", 3, 4)}
    assert line("ioctl", (4, 0x5413, 0x1000), mem) == (
        "ioctl(4, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0"
    )
    assert line("pipe2", (0x2000, 0o2000000), mem) == "pipe2([3, 4], O_CLOEXEC) = 0"
    assert line("futex", (0x1000, 0x81, 2147483647)) == "futex(0x1000, FUTEX_WAKE_PRIVATE, 2147483647) = 0"


def test_unreadable_memory_prints_pointers_never_raises() -> None:
    assert line("uname", (0xDEAD,)) == "uname(0xdead) = 0"
    sleep = line("clock_nanosleep", (1, 0, 0xBEEF, 0))
    assert sleep == "clock_nanosleep(CLOCK_MONOTONIC, 0, 0xbeef, NULL) = 0"
    assert line("connect", (3, 0xBEEF, 16)) == "connect(3, 0xbeef, 16) = 0"
