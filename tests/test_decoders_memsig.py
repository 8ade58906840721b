"""Unit tests for the memory, signal and time decoders: lines strace 6.1 printed for the same values."""

from __future__ import annotations

import struct

from decoding import line

from renacer.syscalls.decoders.signal import siginfo_text

EINVAL = 22






def siginfo(signo: int, code: int, body: bytes = b"", errno: int = 0) -> bytes:
    return struct.pack("<iii4x", signo, errno, code) + body.ljust(112, b"\0")


# ---- siginfo ---------------------------------------------------------------------------------


def test_siginfo_sigval_shows_only_when_set_except_for_timers() -> None:
    assert siginfo_text(siginfo(12, -1, struct.pack("<iIQ", 5, 6, 0))) == (
        "{si_signo=SIGUSR2, si_code=SI_QUEUE, si_pid=5, si_uid=6}")
    assert siginfo_text(siginfo(12, -1, struct.pack("<iIQ", 5, 6, 7))) == (
        "{si_signo=SIGUSR2, si_code=SI_QUEUE, si_pid=5, si_uid=6, si_int=7, si_ptr=0x7}")
    assert siginfo_text(siginfo(12, -2, struct.pack("<iiQ", 12, 0, 0))) == (
        "{si_signo=SIGUSR2, si_code=SI_TIMER, si_timerid=0xc, si_overrun=0, si_int=0, si_ptr=NULL}")


def test_siginfo_unknown_codes_errno_and_empty() -> None:
    assert siginfo_text(siginfo(0, 0)) == "{}"
    assert siginfo_text(siginfo(12, -20, struct.pack("<iIQ", 0, 0xFFFFFFFF, 0), errno=2)) == (
        "{si_signo=SIGUSR2, si_code=0xffffffec, si_errno=ENOENT, si_pid=0, si_uid=-1}")
    # a kernel code on a signal with no code table: the sender only when there is one
    assert siginfo_text(siginfo(12, 0x80)) == "{si_signo=SIGUSR2, si_code=SI_KERNEL}"
    assert siginfo_text(siginfo(12, 3, struct.pack("<iIQ", 5, 0, 0))) == (
        "{si_signo=SIGUSR2, si_code=0x3, si_pid=5, si_uid=0}")
    assert siginfo_text(siginfo(29, 0x80, struct.pack("<qi", 1, 2))) == "{si_signo=SIGIO, si_code=SI_KERNEL}"


def test_siginfo_kernel_fields_by_signal() -> None:
    chld = siginfo(17, 2, struct.pack("<iIi4xqq", 5, 6, 99, 1, 150))
    assert siginfo_text(chld) == ("{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=5, si_uid=6, si_status=99, "
                                  "si_utime=1 /* 0.01 s */, si_stime=150 /* 1.50 s */}")
    pkey = siginfo(11, 4, struct.pack("<Q8xI", 0x600000005, 9))
    assert siginfo_text(pkey) == "{si_signo=SIGSEGV, si_code=SEGV_PKUERR, si_addr=0x600000005, si_pkey=9}"
    lsb = siginfo(7, 5, struct.pack("<QH", 0, 7))
    assert siginfo_text(lsb) == "{si_signo=SIGBUS, si_code=BUS_MCEERR_AO, si_addr=NULL, si_addr_lsb=0x7}"
    seccomp = siginfo(31, 1, struct.pack("<QiI", 0x10, 39, 0xC000003E))
    assert siginfo_text(seccomp) == ("{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x10, "
                                     "si_syscall=__NR_getpid, si_arch=AUDIT_ARCH_X86_64}")
    odd_arch = siginfo(31, 2, struct.pack("<QiI", 0, 0, 0))
    assert siginfo_text(odd_arch) == ("{si_signo=SIGSYS, si_code=SYS_USER_DISPATCH, si_call_addr=NULL, "
                                      "si_syscall=0, si_arch=0 /* AUDIT_ARCH_??? */}")


# ---- signals ---------------------------------------------------------------------------------


def test_sigaction_flags_strace_does_not_name_are_marked() -> None:
    act = struct.pack("<QQQQ", 2**64 - 1, 0xC00, 0, 0)
    assert line("rt_sigaction", (36, 0x1000, 0, 8), {0x1000: act}) == (
        "rt_sigaction(SIGRT_4, {sa_handler=SIG_ERR, sa_mask=[], sa_flags=0xc00 /* SA_??? */}, NULL, 8) = 0")


def test_sigsets_print_only_for_sizes_the_kernel_takes() -> None:
    mask = {0x1000: (0x200).to_bytes(8, "little")}  # bit 9: SIGUSR1
    assert line("rt_sigprocmask", (0, 0x1000, 0, 16), mask, error=EINVAL) == (
        "rt_sigprocmask(SIG_BLOCK, 0x1000, NULL, 16) = -1 EINVAL (Invalid argument)")
    assert line("rt_sigpending", (0x1000, 2), mask) == "rt_sigpending([USR1], 2) = 0"
    assert line("rt_sigtimedwait", (0x1000, 0, 0, 8), mask, retval=12) == (
        "rt_sigtimedwait([USR1], NULL, NULL, 8) = 12 (SIGUSR2)")


# ---- memory ----------------------------------------------------------------------------------


def test_unknown_flag_values_are_marked_as_strace_marks_them() -> None:
    fails = " = -1 EINVAL (Invalid argument)"
    assert line("msync", (0, 0, 5), error=EINVAL) == "msync(NULL, 0, MS_SYNC|MS_ASYNC)" + fails
    assert line("msync", (0, 0, 0x10), error=EINVAL) == "msync(NULL, 0, 0x10 /* MS_??? */)" + fails
    assert line("mlockall", (0xD,), error=EINVAL) == "mlockall(MCL_CURRENT|MCL_ONFAULT|0x8)" + fails


def test_mremap_new_address_only_when_fixed_and_maymove() -> None:
    assert line("mremap", (0, 4096, 4096, 2, 0x1000), error=EINVAL) == (
        "mremap(NULL, 4096, 4096, MREMAP_FIXED) = -1 EINVAL (Invalid argument)")
    assert line("mremap", (0x2000, 4096, 4096, 3, 0x1000), retval=0x1000) == (
        "mremap(0x2000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x1000) = 0x1000")


def test_membarrier_query_result_names_commands() -> None:
    assert line("membarrier", (0, 0), retval=0x9) == (
        "membarrier(MEMBARRIER_CMD_QUERY, 0) = 0x9 (MEMBARRIER_CMD_GLOBAL|MEMBARRIER_CMD_PRIVATE_EXPEDITED)")
    assert line("membarrier", (0x80, 1, 5), error=1) == (
        "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 5) = -1 EPERM "
        "(Operation not permitted)")


def test_mincore_vector_is_cut_at_the_string_limit() -> None:
    vec = {0x1000: bytes([1, 0, 0, 1, 0])}
    assert line("mincore", (0x2000, 5 * 4096, 0x1000), vec, limit=4) == (
        "mincore(0x2000, 20480, [1, 0, 0, 1, ...]) = 0")
    assert line("mincore", (0x2000, 4097, 0x1000), vec) == "mincore(0x2000, 4097, [1, 0]) = 0"


# ---- time ------------------------------------------------------------------------------------


def test_sigevent_leaves_out_a_zero_value() -> None:
    sev = {0x1000: struct.pack("<QiiQQ", 0, 10, 1, 0, 0)}
    assert line("timer_create", (0, 0x1000, 0x2000), {**sev, 0x2000: struct.pack("<i", 1)}) == (
        "timer_create(CLOCK_REALTIME, {sigev_signo=10, sigev_notify=SIGEV_NONE}, [1]) = 0")


def test_timex_and_clock_state() -> None:
    timex = struct.pack("<I4xqqqqi4xqqqqqqqqi4xqqqqqi", 0x10000, 0, 0, 16000000, 16000000, 0x40, 2, 1,
                        32768000, 5, 6, 10000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert line("clock_adjtime", (0, 0x1000), {0x1000: timex}, retval=5) == (
        "clock_adjtime(CLOCK_REALTIME, {modes=0x10000 /* ADJ_??? */, offset=0, freq=0, maxerror=16000000, "
        "esterror=16000000, status=STA_UNSYNC, constant=2, precision=1, tolerance=32768000, "
        "time={tv_sec=5, tv_usec=6}, tick=10000, ppsfreq=0, jitter=0, shift=0, stabil=0, jitcnt=0, calcnt=0, "
        "errcnt=0, stbcnt=0, tai=0}) = 5 (TIME_ERROR)")
