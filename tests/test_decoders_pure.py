"""Unit tests for the decoders' pure pieces: quoting, flags, signals, wait statuses, siginfo."""

from __future__ import annotations

import struct

from renacer.syscalls.decoders.common import sigset_bits_text
from renacer.syscalls.decoders.ioctl import ioc_text
from renacer.syscalls.decoders.process import clone_flags_text, rlim_text, wait_status_text
from renacer.syscalls.decoders.signal import siginfo_text, signal_name
from renacer.syscalls.decoders.stat import mode_text
from renacer.syscalls.decoders.time import futex_op_text
from renacer.syscalls.format import quote
from renacer.syscalls.xlat.mem import PROT


def siginfo(signo: int, code: int, tail: bytes = b"", errno: int = 0) -> bytes:
    return (struct.pack("<iii4x", signo, errno, code) + tail).ljust(128, b"\0")


def test_quote_escapes_like_strace() -> None:
    assert quote(b"\x7fELF\x02\x01\x01\x03\x00\x00") == '"\\177ELF\\2\\1\\1\\3\\0\\0"'
    assert quote(b"a\n\"b\\") == '"a\\n\\"b\\\\"'
    assert quote(b"\x001") == '"\\0001"'
    assert quote(b"abc", truncated=True) == '"abc"...'
    assert quote(b"\x9c\x34", force_hex=True) == '"\\x9c\\x34"'


def test_flags_names_known_bits_and_hex_for_rest() -> None:
    assert PROT.flags(3) == "PROT_READ|PROT_WRITE"
    assert PROT.flags(0, "PROT_NONE") == "PROT_NONE"
    assert PROT.flags(0x81) == "PROT_READ|0x80"


def test_signal_names_follow_strace() -> None:
    assert signal_name(17) == "SIGCHLD"
    assert signal_name(32) == "SIGRTMIN"
    assert signal_name(33) == "SIGRT_1"
    assert signal_name(64) == "SIGRT_32"
    assert signal_name(65) == "65"


def test_sigsets_print_the_shorter_way() -> None:
    assert sigset_bits_text(0) == "[]"
    assert sigset_bits_text(1 << 16) == "[CHLD]"
    assert sigset_bits_text((1 << 1) | (1 << 14) | (1 << 16)) == "[INT TERM CHLD]"
    assert sigset_bits_text((1 << 64) - 1) == "~[]"
    assert sigset_bits_text(((1 << 64) - 1) & ~((1 << 31) | (1 << 32))) == "~[RTMIN RT_1]"


def test_wait_status_text() -> None:
    assert wait_status_text(0) == "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"
    assert wait_status_text(3 << 8) == "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"
    assert wait_status_text(9) == "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]"
    assert wait_status_text(11 | 0x80) == "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]"
    assert wait_status_text(0x137F) == "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"
    assert wait_status_text(0xFFFF) == "[{WIFCONTINUED(s)}]"
    assert wait_status_text(0x8057F) == "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP} | 0x80000]"


def test_siginfo_child_exit_and_kill() -> None:
    data = siginfo(17, 1, struct.pack("<iIi4xqq", 2077, 0, 0, 0, 0))
    assert siginfo_text(data) == (
        "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=2077, si_uid=0, si_status=0, si_utime=0, si_stime=0}"
    )
    data = siginfo(17, 2, struct.pack("<iIi4xqq", 5, 0, 11, 1, 2))
    assert "si_code=CLD_KILLED" in siginfo_text(data)
    # strace notes the clock ticks in seconds (at 100 ticks a second)
    assert "si_status=SIGSEGV, si_utime=1 /* 0.01 s */, si_stime=2 /* 0.02 s */" in siginfo_text(data)


def test_siginfo_sent_by_processes() -> None:
    assert siginfo_text(siginfo(15, 0, struct.pack("<iI", 4343, 0))) == (
        "{si_signo=SIGTERM, si_code=SI_USER, si_pid=4343, si_uid=0}"
    )
    assert siginfo_text(siginfo(6, -6, struct.pack("<iI", 7, 0))) == (
        "{si_signo=SIGABRT, si_code=SI_TKILL, si_pid=7, si_uid=0}"
    )
    queued = siginfo(10, -1, struct.pack("<iIQ", 4343, 0, 42))
    assert siginfo_text(queued) == (
        "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=4343, si_uid=0, si_int=42, si_ptr=0x2a}"
    )
    timer = siginfo(10, -2, struct.pack("<iiQ", 0, 0, 7))
    assert siginfo_text(timer) == (
        "{si_signo=SIGUSR1, si_code=SI_TIMER, si_timerid=0, si_overrun=0, si_int=7, si_ptr=0x7}"
    )


def test_siginfo_faults_and_kernel() -> None:
    assert siginfo_text(siginfo(11, 1, struct.pack("<Q", 8))) == (
        "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8}"
    )
    assert siginfo_text(siginfo(11, 2, struct.pack("<Q", 0))) == (
        "{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=NULL}"
    )
    assert siginfo_text(siginfo(11, 0x80)) == "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}"
    assert siginfo_text(siginfo(14, 0x80)) == "{si_signo=SIGALRM, si_code=SI_KERNEL}"


def test_clone_flags_put_the_exit_signal_last() -> None:
    assert clone_flags_text(0x01200000 | 17) == "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
    assert clone_flags_text(0) == "0"


def test_rlimits_print_in_kibibytes_when_they_can() -> None:
    assert rlim_text(8192 * 1024) == "8192*1024"
    assert rlim_text(20000) == "20000"
    assert rlim_text(0) == "0"
    assert rlim_text((1 << 64) - 1) == "RLIM64_INFINITY"


def test_modes_futex_ops_and_ioctl_numbers() -> None:
    assert mode_text(0o100644) == "S_IFREG|0644"
    assert mode_text(0o41777) == "S_IFDIR|S_ISVTX|0777"
    assert mode_text(0o20666) == "S_IFCHR|0666"
    assert futex_op_text(0x189) == "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
    assert futex_op_text(0x81) == "FUTEX_WAKE_PRIVATE"
    assert ioc_text(0x1234) == "_IOC(_IOC_NONE, 0x12, 0x34, 0)"
    assert ioc_text(0xC0087802) == "_IOC(_IOC_READ|_IOC_WRITE, 0x78, 0x2, 0x8)"
