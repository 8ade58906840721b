"""Unit tests for the task decoders: identity, capabilities, sched, prctl and ptrace as strace prints them."""

from __future__ import annotations

import struct

from decoding import line

from renacer.syscalls.base import DecodeOptions
from renacer.syscalls.decoders.process import wait_status_text
from renacer.syscalls.decoders.ptrace import user_offset_text
from renacer.syscalls.decoders.task import cap_set_text, personality_text, uid_text


def test_uids_print_minus_one_or_unsigned() -> None:
    assert uid_text(0xFFFFFFFF) == "-1"
    assert uid_text(0xFFFFFFFE) == "4294967294"
    assert line("setfsuid", (0x123456789,), retval=0xFFFFFFFE) == "setfsuid(591751049) = 4294967294"


def test_group_lists_cut_at_s_unless_verbose() -> None:
    gids = {0x1000: struct.pack("<5I", 0, 1, 2, 3, 4)}
    short = DecodeOptions(string_limit=3)
    assert line("setgroups", (5, 0x1000), gids, opts=short) == "setgroups(5, [0, 1, 2, ...]) = 0"
    verbose = DecodeOptions(string_limit=3, abbrev=False)
    assert line("getgroups", (0, 0x1000), gids, retval=5, opts=verbose) == "getgroups(0, [0, 1, 2, 3, 4]) = 5"
    assert line("getgroups", (1, 0x9000), retval=0) == "getgroups(1, []) = 0"
    too_many = line("setgroups", (70000, 0x1000), gids, error=22)
    assert too_many == "setgroups(70000, 0x1000) = -1 EINVAL (Invalid argument)"


def test_capability_sets_word_by_word() -> None:
    assert cap_set_text(0, 0) == "0"
    assert cap_set_text(1, 0x400) == "1<<CAP_CHOWN|0x400 /* CAP_??? */"
    assert cap_set_text(0x80000000, 0x3) == "1<<CAP_SETFCAP|1<<CAP_MAC_OVERRIDE|1<<CAP_MAC_ADMIN"
    assert cap_set_text(0, 0xFFFFFFFF).endswith("1<<CAP_CHECKPOINT_RESTORE|0xfffffe00")


def test_capget_reads_two_structs_for_v3_and_one_for_unknown_versions() -> None:
    data = struct.pack("<6I", 3, 1, 0x80000000, 5, 0, 0)
    mem = {0x1000: struct.pack("<Ii", 0x20080522, 0), 0x2000: data, 0x3000: struct.pack("<Ii", 0x12345, 0)}
    assert line("capget", (0x1000, 0x2000), mem) == (
        "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|"
        "1<<CAP_MAC_OVERRIDE|1<<CAP_SYSLOG, permitted=1<<CAP_CHOWN, inheritable=1<<CAP_SETFCAP}) = 0"
    )
    assert line("capset", (0x3000, 0x2000), mem, error=22) == (
        "capset({version=0x12345 /* _LINUX_CAPABILITY_VERSION_??? */, pid=0}, {effective=1<<CAP_CHOWN|"
        "1<<CAP_DAC_OVERRIDE, permitted=1<<CAP_CHOWN, inheritable=1<<CAP_SETFCAP})"
        " = -1 EINVAL (Invalid argument)"
    )


def test_personality_names_domain_then_flags() -> None:
    assert personality_text(0x40000) == "PER_LINUX|ADDR_NO_RANDOMIZE"
    assert personality_text(0x4100001) == "0x1 /* PER_??? */|MMAP_PAGE_ZERO|STICKY_TIMEOUTS"
    assert line("personality", (0xFFFFFFFF,), retval=0) == "personality(0xffffffff) = 0 (PER_LINUX)"
    assert line("personality", (0x100000010,), retval=8) == "personality(PER_HPUX) = 0x8 (PER_LINUX32)"


def test_wait_status_names_ptrace_events() -> None:
    assert wait_status_text(0x80057F) == "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_STOP<<16]"
    assert wait_status_text(0x3057F) == "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_CLONE<<16]"


def test_waitid_prints_empty_siginfo_and_rusage_when_no_child_was_ready() -> None:
    mem = {0x1000: bytes(128), 0x2000: bytes(144)}
    times = "ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=0, tv_usec=0}"
    assert line("waitid", (1, 42, 0x1000, 5, 0x2000), mem) == (
        f"waitid(P_PID, 42, {{}}, WNOHANG|WEXITED, {{{times}, ...}}) = 0"
    )
    verbose = line("getrusage", (0xFFFFFFFF, 0x2000), mem, opts=DecodeOptions(abbrev=False))
    assert verbose.startswith(f"getrusage(RUSAGE_CHILDREN, {{{times}, ru_maxrss=0, ")
    assert verbose.endswith("ru_nvcsw=0, ru_nivcsw=0}) = 0")
    assert line("wait4", (42, 0x1000, 1, 0x2000), mem) == "wait4(42, 0x1000, WNOHANG, 0x2000) = 0"


def test_sched_attr_by_its_size_and_flags() -> None:
    attr = struct.pack("<IIQiIQQQII", 56, 6, 0, -5, 0, 1000000, 2000000, 3000000, 0, 0)
    keep = struct.pack("<IIQiIQQQ", 48, 3, 0x10, 0, 0, 0, 0, 0)
    mem = {0x1000: attr, 0x2000: keep, 0x3000: struct.pack("<I", 4)}
    assert line("sched_setattr", (0, 0x1000, 0), mem) == (
        "sched_setattr(0, {size=56, sched_policy=SCHED_DEADLINE, sched_flags=0, sched_nice=-5, "
        "sched_priority=0, sched_runtime=1000000, sched_deadline=2000000, sched_period=3000000, "
        "sched_util_min=0, sched_util_max=0}, 0) = 0"
    )
    assert line("sched_setattr", (0, 0x2000, 0), mem) == (
        "sched_setattr(0, {size=48, sched_flags=SCHED_FLAG_KEEP_PARAMS}, 0) = 0"
    )
    assert line("sched_setattr", (0, 0x3000, 0), mem, error=22) == (
        "sched_setattr(0, {size=4}, 0) = -1 EINVAL (Invalid argument)"
    )


def test_cpu_masks_list_cpus_and_are_never_cut() -> None:
    mask = (1 | 1 << 5 | 1 << 100).to_bytes(16, "little")
    opts = DecodeOptions(string_limit=1)
    assert line("sched_setaffinity", (0, 16, 0x1000), {0x1000: mask}, opts=opts) == (
        "sched_setaffinity(0, 16, [0 5 100]) = 0"
    )
    assert line("sched_getaffinity", (0, 16, 0x1000), {0x1000: mask}, retval=8) == (
        "sched_getaffinity(0, 16, [0 5]) = 8"
    )


def test_prctl_layouts() -> None:
    mem = {0x1000: b"exactly15-chars\0", 0x2000: b"short\0", 0x3000: struct.pack("<i", 10)}
    assert line("prctl", (15, 0x1000)) == "prctl(PR_SET_NAME, 0x1000) = 0"
    assert line("prctl", (15, 0x1000), mem) == 'prctl(PR_SET_NAME, "exactly15-chars"...) = 0'
    assert line("prctl", (15, 0x2000), mem) == 'prctl(PR_SET_NAME, "short") = 0'
    assert line("prctl", (16, 0x1000), mem) == 'prctl(PR_GET_NAME, "exactly15-chars") = 0'
    assert line("prctl", (2, 0x3000), mem) == "prctl(PR_GET_PDEATHSIG, [SIGUSR1]) = 0"
    assert line("prctl", (3,), retval=1) == "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"
    assert line("prctl", (38, 1, 2, 3, 4), error=22) == (
        "prctl(PR_SET_NO_NEW_PRIVS, 1, 0x2, 0x3, 0x4) = -1 EINVAL (Invalid argument)"
    )
    assert line("prctl", (22, 1)) == "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) = 0"
    assert line("prctl", (0x12345678, 1, 2, 3, 4), error=22) == (
        "prctl(0x12345678 /* PR_??? */, 0x1, 0x2, 0x3, 0x4) = -1 EINVAL (Invalid argument)"
    )


def test_ptrace_layouts() -> None:
    mem = {0x1000: struct.pack("<Q", 0x1234), 0x2000: struct.pack("<Q", 0)}
    assert line("ptrace", (2, 7, 0x5000, 0x1000), mem) == "ptrace(PTRACE_PEEKDATA, 7, 0x5000, [0x1234]) = 0"
    assert line("ptrace", (3, 7, 80, 0x2000), mem) == "ptrace(PTRACE_PEEKUSER, 7, 8*RAX, [NULL]) = 0"
    assert line("ptrace", (0x4201, 7, 0, 0x2000), mem) == "ptrace(PTRACE_GETEVENTMSG, 7, NULL, [0]) = 0"
    assert line("ptrace", (12, 7, 0, 0x2000), mem, error=3) == (
        "ptrace(PTRACE_GETREGS, 7, 0x2000) = -1 ESRCH (No such process)"
    )
    traceme = line("ptrace", (0, 1, 2, 3), error=1)
    assert traceme == "ptrace(PTRACE_TRACEME) = -1 EPERM (Operation not permitted)"
    assert line("ptrace", (0x4206, 7, 0, 0x80000000)) == (
        "ptrace(PTRACE_SEIZE, 7, NULL, 0x80000000 /* PTRACE_O_??? */) = 0"
    )
    assert user_offset_text(852) == "offsetof(struct user, u_debugreg)+4"
    assert user_offset_text(216) == "offsetof(struct user, u_fpvalid)"


def test_setns_and_unshare_flags() -> None:
    assert line("setns", (3, 0x44000000)) == "setns(3, CLONE_NEWUTS|CLONE_NEWNET) = 0"
    unknown = line("setns", (3, 1), error=22)
    assert unknown == "setns(3, 0x1 /* CLONE_NEW??? */) = -1 EINVAL (Invalid argument)"
    assert line("unshare", (0x60680,)) == (
        "unshare(CLONE_NEWTIME|CLONE_FS|CLONE_FILES|CLONE_NEWNS|CLONE_SYSVSEM) = 0"
    )
