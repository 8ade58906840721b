"""The IPC and system-wide decoders over an in-memory tracee: the cases the fixtures cannot show
(IPC_STAT's times differ between two runs; an E2BIG perf attr depends on the kernel). Every
expected line is one strace 6.1 printed for the same arguments."""

from __future__ import annotations

import struct

from decoding import line

from renacer.syscalls.base import DecodeOptions

EINVAL, E2BIG = 22, 7
T = 1795544477  # a time in seconds, as IPC_STAT reports them






def perm(key: int = 0, uid: int = 0, mode: int = 0o600) -> bytes:
    """A struct ipc64_perm."""
    return struct.pack("<iIIIIIHH4xQQ", key, uid, uid, 0, 0, mode, 0, 0, 0, 0)


def test_shmctl_stat_prints_every_member_in_strace_order() -> None:
    ds = perm() + struct.pack("<QqqqiiQQQ", 4096, T, 0, T, 19483, 19483, 1, 0, 0)
    assert line("shmctl", (0, 2, 0x1000), {0x1000: ds}) == (
        "shmctl(0, IPC_STAT, {shm_perm={uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}, shm_segsz=4096, "
        f"shm_cpid=19483, shm_lpid=19483, shm_nattch=1, shm_atime={T}, shm_dtime=0, shm_ctime={T}}}) = 0"
    )


def test_shm_stat_any_shows_the_key_in_decimal() -> None:
    ds = perm(key=0x1234, mode=0o644) + struct.pack("<QqqqiiQQQ", 4096, 0, 0, T, 19883, 0, 0, 0, 0)
    assert line("shmctl", (0, 15, 0x1000), {0x1000: ds}) == (
        "shmctl(0, SHM_STAT_ANY, {shm_perm={uid=0, gid=0, mode=0644, key=4660, cuid=0, cgid=0}, "
        "shm_segsz=4096, shm_cpid=19883, shm_lpid=0, shm_nattch=0, shm_atime=0, shm_dtime=0, "
        f"shm_ctime={T}}}) = 0"
    )


def test_semctl_and_msgctl_stat() -> None:
    sem = perm(mode=0o640) + struct.pack("<qQqQQQQ", T, 0, T, 0, 3, 0, 0)
    assert line("semctl", (0, 0, 2, 0x1000), {0x1000: sem}) == (
        "semctl(0, 0, IPC_STAT, {sem_perm={uid=0, gid=0, mode=0640, key=0, cuid=0, cgid=0}, "
        f"sem_otime={T}, sem_ctime={T}, sem_nsems=3}}) = 0"
    )
    msq = perm() + struct.pack("<qqqQQQiiQQ", T, T, T, 0, 0, 16384, 19483, 19483, 0, 0)
    assert line("msgctl", (0, 2, 0x1000), {0x1000: msq}) == (
        "msgctl(0, IPC_STAT, {msg_perm={uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}, "
        f"msg_stime={T}, msg_rtime={T}, msg_ctime={T}, msg_qnum=0, msg_qbytes=16384, msg_lspid=19483, "
        "msg_lrpid=19483}) = 0"
    )


def test_ipc_set_prints_the_settable_members_and_minus_one_ids() -> None:
    ds = perm(uid=0xFFFFFFFF, mode=0) + bytes(64)
    assert line("shmctl", (0, 1, 0x1000), {0x1000: ds}, error=EINVAL) == (
        "shmctl(0, IPC_SET, {shm_perm={uid=-1, gid=-1, mode=000}}) = -1 EINVAL (Invalid argument)"
    )


def test_get_flags_name_bits_then_unknown_bits_then_huge_size_then_mode() -> None:
    assert line("shmget", (0x1234, 4096, 0x7777777), retval=1) == (
        "shmget(0x1234, 4096, IPC_CREAT|IPC_EXCL|SHM_NORESERVE|0x3776000|1<<SHM_HUGE_SHIFT|0567) = 1"
    )
    assert line("msgget", (0x1, 0x7777777)) == "msgget(0x1, IPC_CREAT|IPC_EXCL|0x7777000|0567) = 0"
    assert line("semget", (0, 3, 0o1640)) == "semget(IPC_PRIVATE, 3, IPC_CREAT|0640) = 0"


def test_semop_array_is_cut_at_the_string_limit_and_at_unreadable_memory() -> None:
    ops = struct.pack("<HhH", 0, 1, 0x1000) + struct.pack("<HhH", 1, -1, 0o4000) * 3
    assert line("semop", (0, 0x1000, 4), {0x1000: ops}, opts=DecodeOptions(string_limit=2)) == (
        "semop(0, [{sem_num=0, sem_op=1, sem_flg=SEM_UNDO}, {sem_num=1, sem_op=-1, sem_flg=IPC_NOWAIT}, "
        "...], 4) = 0"
    )
    assert line("semop", (0, 0x1000, 5), {0x1000: ops}, error=14) == (
        "semop(0, [{sem_num=0, sem_op=1, sem_flg=SEM_UNDO}, {sem_num=1, sem_op=-1, sem_flg=IPC_NOWAIT}, "
        "{sem_num=1, sem_op=-1, sem_flg=IPC_NOWAIT}, {sem_num=1, sem_op=-1, sem_flg=IPC_NOWAIT}, "
        "... /* 0x1018 */], 5) = -1 EFAULT (Bad address)"
    )


def test_msgrcv_shows_msgsz_bytes_of_text_at_exit() -> None:
    before = struct.pack("<q", 0) + bytes(16)
    after = struct.pack("<q", 7) + b"hello\0" + bytes(10)
    assert line("msgrcv", (0, 0x1000, 16, 0, 0o14000), {0x1000: before}, retval=6, after={0x1000: after}) == (
        'msgrcv(0, {mtype=7, mtext="hello\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"}, 16, 0, '
        "MSG_NOERROR|IPC_NOWAIT) = 6"
    )


def test_mq_attr_flags_are_hex_for_mq_open_and_named_for_getsetattr() -> None:
    attr = struct.pack("<qqqq32x", 0x40000800, -1, 99999, 7)
    mem = {0x1000: b"x\0", 0x2000: attr}
    assert line("mq_open", (0x1000, 0o103, 0o7777, 0x2000), mem, error=EINVAL) == (
        'mq_open("x", O_ACCMODE|O_CREAT, 07777, {mq_flags=0x40000800, mq_maxmsg=-1, mq_msgsize=99999, '
        "mq_curmsgs=7}) = -1 EINVAL (Invalid argument)"
    )
    assert line("mq_getsetattr", (2**32 - 1, 0x2000, 0), mem, error=EINVAL) == (
        "mq_getsetattr(-1, {mq_flags=O_NONBLOCK|0x40000000, mq_maxmsg=-1, mq_msgsize=99999, mq_curmsgs=7}, "
        "NULL) = -1 EINVAL (Invalid argument)"
    )
    odd = {0x2000: struct.pack("<qqqq32x", 0x80041, 1, 1, 0)}
    assert line("mq_getsetattr", (3, 0x2000, 0), odd, error=EINVAL) == (
        "mq_getsetattr(3, {mq_flags=0x80041 /* O_??? */, mq_maxmsg=1, mq_msgsize=1, mq_curmsgs=0}, NULL)"
        " = -1 EINVAL (Invalid argument)"
    )


def test_sigevent_thread_hides_a_zero_value() -> None:
    ev = struct.pack("<QiiQQ", 0, 10, 2, 0, 0)
    assert line("mq_notify", (3, 0x1000), {0x1000: ev}, error=14) == (
        "mq_notify(3, {sigev_signo=SIGUSR1, sigev_notify=SIGEV_THREAD, sigev_notify_function=NULL, "
        "sigev_notify_attributes=NULL}) = -1 EFAULT (Bad address)"
    )


def test_perf_attr_size_the_kernel_wrote_back_on_e2big() -> None:
    attr = struct.pack("<IIQQQQQ", 5, 0xC8, 0, 0, 0, 0, 0).ljust(0xC8, b"\1")
    after = attr[:4] + struct.pack("<I", 0x88) + attr[8:]
    assert line("perf_event_open", (0x1000, 0, 2**64 - 1, 2**64 - 1, 0), {0x1000: attr}, error=E2BIG,
                after={0x1000: after}) == (
        "perf_event_open({type=PERF_TYPE_BREAKPOINT, size=0xc8 /* PERF_ATTR_SIZE_??? */ => "
        "0x88 /* PERF_ATTR_SIZE_??? */, config=0, sample_period=0, sample_type=0, read_format=0, "
        "precise_ip=0 /* arbitrary skid */, ...}, 0, -1, -1, 0) = -1 E2BIG (Argument list too long)"
    )


def test_perf_cache_event_config_is_split_into_its_three_parts() -> None:
    watermark_precise3 = (1 << 14) | (3 << 15)
    attr = struct.pack("<IIQQQQQ", 3, 0, 1 << 16, 100, 0, 0, watermark_precise3).ljust(64, b"\0")
    assert line("perf_event_open", (0x1000, 0, 2**64 - 1, 2**64 - 1, 0), {0x1000: attr}, error=2) == (
        "perf_event_open({type=PERF_TYPE_HW_CACHE, size=0 /* PERF_ATTR_SIZE_??? */, "
        "config=PERF_COUNT_HW_CACHE_RESULT_MISS<<16|PERF_COUNT_HW_CACHE_OP_READ<<8|PERF_COUNT_HW_CACHE_L1D, "
        "sample_period=100, "
        "sample_type=0, read_format=0, watermark=1, precise_ip=3 /* must have 0 skid */, ...}, 0, -1, -1, 0)"
        " = -1 ENOENT (No such file or directory)"
    )


def test_bpf_attr_members_stop_where_the_size_does() -> None:
    attr = struct.pack("<IIIIIII", 1, 4, 8, 0, 0x81, 0xFFFFFFFF, 0) + b"ti" + bytes(100)
    assert line("bpf", (0, 0x1000, 30), {0x1000: attr}, error=EINVAL) == (
        "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_HASH, key_size=4, value_size=8, max_entries=0, "
        'map_flags=BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG, inner_map_fd=-1, map_name="t"...}, 30)'
        " = -1 EINVAL (Invalid argument)"
    )
    assert line("bpf", (0, 0x1000, 4097), {0x1000: attr}, error=E2BIG) == (
        "bpf(BPF_MAP_CREATE, 0x1000, 4097) = -1 E2BIG (Argument list too long)"
    )


def test_seccomp_filter_instructions_show_only_under_verbose() -> None:
    insns = struct.pack("<HBBI", 0x15, 0, 1, 39) + struct.pack("<HBBI", 0x06, 0, 0, 0x50001)
    mem = {0x1000: struct.pack("<H6xQ", 2, 0x2000), 0x2000: insns}
    assert line("seccomp", (1, 0x80, 0x1000), mem, error=EINVAL) == (
        "seccomp(SECCOMP_SET_MODE_FILTER, 0x80 /* SECCOMP_FILTER_FLAG_??? */, {len=2, filter=0x2000})"
        " = -1 EINVAL (Invalid argument)"
    )
    assert line("seccomp", (1, 0x80, 0x1000), mem, error=EINVAL, opts=DecodeOptions(abbrev=False)) == (
        "seccomp(SECCOMP_SET_MODE_FILTER, 0x80 /* SECCOMP_FILTER_FLAG_??? */, {len=2, filter=["
        "BPF_JUMP(BPF_JMP|BPF_K|BPF_JEQ, 0x27, 0, 0x1), BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|0x1)]})"
        " = -1 EINVAL (Invalid argument)"
    )
