"""The eBPF foundation against the kernel: maps, the verifier, tracepoint programs, the ring buffer, -f.

The traced programs make a known number of known calls (tests/programs/ebpf_*.c): what the
kernel counted must be exactly that.
"""

from __future__ import annotations

import os
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bpf_support import require_bpf

from renacer.arch import current
from renacer.backends.ebpf import bpf
from renacer.backends.ebpf.asm import DW, R0, R1, R2, R3, R4, R6, R7, R10, Helper, Program, W
from renacer.backends.ebpf.follow import Target
from renacer.backends.ebpf.ringbuf import RingBuffer
from renacer.config import Config
from renacer.errors import RenacerError

GETPPID = current().numbers["getppid"]
CLOSE = current().numbers["close"]
READ = current().numbers["read"]
U32, U64 = struct.Struct("<I"), struct.Struct("<Q")


@pytest.fixture(autouse=True)
def _permitted() -> None:
    require_bpf()


# ---- maps --------------------------------------------------------------------------------


def test_hash_map_create_update_lookup_delete_iterate() -> None:
    with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 8, "t_hash") as m:
        for k in range(5):
            m.update(U32.pack(k), U64.pack(k * 100))
        assert m.lookup(U32.pack(3)) == U64.pack(300)
        assert m.lookup(U32.pack(9)) is None
        m.update(U32.pack(3), U64.pack(7), bpf.EXIST)
        assert m.lookup(U32.pack(3)) == U64.pack(7)
        with pytest.raises(bpf.BpfError, match="File exists"):
            m.update(U32.pack(3), U64.pack(1), bpf.NOEXIST)
        assert m.delete(U32.pack(0)) is True
        assert m.delete(U32.pack(0)) is False
        # deleting the key just handed out does not end the walk
        seen = []
        for key in m.keys():
            seen.append(U32.unpack(key)[0])
            m.delete(key)
        assert sorted(seen) == [1, 2, 3, 4]
        assert list(m.keys()) == []
        for k in range(8):
            m.update(U32.pack(k), U64.pack(k))
        with pytest.raises(bpf.BpfError, match="Argument list too long"):  # E2BIG: the map is full
            m.update(U32.pack(8), U64.pack(8))
        with pytest.raises(ValueError, match="4 bytes"):
            m.lookup(b"\0")


def test_per_cpu_array_holds_one_value_per_possible_cpu() -> None:
    cpus = bpf.possible_cpus()
    assert cpus == len(os.sched_getaffinity(0)) or cpus >= os.cpu_count()  # /sys agrees with the kernel
    with bpf.BpfMap.create(bpf.MAP_PERCPU_ARRAY, 4, 4, 2, "t_pcpu") as m:
        assert m.value_bytes == 8 * cpus  # each u32 padded to 8
        assert m.per_cpu_values(U32.pack(1)) == [b"\0" * 4] * cpus  # an array's slots exist, zeroed
        m.update(U32.pack(1), b"".join(U32.pack(10 + c) + b"\0" * 4 for c in range(cpus)))
        assert m.per_cpu_values(U32.pack(1)) == [U32.pack(10 + c) for c in range(cpus)]
        assert [U32.unpack(k)[0] for k in m.keys()] == [0, 1]
        assert m.lookup(U32.pack(2)) is None  # past the end
        with pytest.raises(bpf.BpfError, match="Invalid argument"):
            m.delete(U32.pack(0))  # array slots cannot be deleted


# ---- the verifier ------------------------------------------------------------------------------


def test_a_rejected_program_raises_with_the_verifier_log() -> None:
    p = Program().mov(R0, R2).exit()  # R2 was never written
    with pytest.raises(bpf.BpfError) as caught:
        bpf.load_program(p.assemble(), "uninit_r2")
    err = caught.value
    assert isinstance(err, RenacerError)
    assert str(err) == "the kernel's verifier rejected uninit_r2: R2 !read_ok"
    assert "(bf) r0 = r2" in err.log and "processed 1 insns" in err.log


def test_an_out_of_bounds_context_read_is_rejected() -> None:
    p = Program().ldx(DW, R0, R1, 30000).exit()  # past any tracepoint record (PERF_MAX_TRACE_SIZE)
    with pytest.raises(bpf.BpfError, match="verifier rejected oob") as caught:
        bpf.load_program(p.assemble(), "oob")
    assert "invalid bpf_context access" in caught.value.log


def test_tracepoint_fields_follow_tracefs() -> None:
    enter = bpf.tracepoint_fields("raw_syscalls", "sys_enter")
    assert enter["id"] == (8, 8) and enter["args"] == (16, 48)
    assert bpf.tracepoint_fields("raw_syscalls", "sys_exit")["ret"] == (16, 8)
    with pytest.raises(RenacerError, match="no_such_event"):
        bpf.tracepoint_fields("raw_syscalls", "no_such_event")


# ---- tracepoint programs on a spawned, gated child --------------------------------------------------


def counting_program(target: Target, counts: bpf.BpfMap, nr: int) -> Program:
    """sys_enter: counts[tid] += 1 for each call ``nr`` of a traced task (a hash map, u32 -> u64)."""
    nr_off = bpf.tracepoint_fields("raw_syscalls", "sys_enter")["id"][0]
    p = Program()
    p.mov(R6, R1)
    target.emit_filter(p, "out")
    p.ldx(DW, R1, R6, nr_off)
    p.jmp("!=", R1, nr, "out")
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.stx(W, R10, -16, R0)  # key: the tid
    p.ld_map(R1, counts)
    p.mov(R2, R10)
    p.add(R2, -16)
    p.call(Helper.MAP_LOOKUP_ELEM)
    p.jmp("==", R0, 0, "first")
    p.mov(R1, 1)
    p.atomic_add(DW, R0, 0, R1)
    p.ja("out")
    p.label("first")
    p.st(DW, R10, -24, 1)
    p.ld_map(R1, counts)
    p.mov(R2, R10)
    p.add(R2, -16)
    p.mov(R3, R10)
    p.add(R3, -24)
    p.mov(R4, bpf.NOEXIST)
    p.call(Helper.MAP_UPDATE_ELEM)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def run_traced(config: Config, attach: Callable[[Target], list]) -> tuple[int, int, list[int]]:
    """Spawn config.command gated, attach what ``attach`` makes, release, reap: (pid, status, ids left)."""
    with Target(config) as target:
        pid = target.spawn()
        objects = attach(target)
        try:
            target.release()
            status = target.reap(block=True)
            return pid, status, target.traced()
        finally:
            for obj in reversed(objects):
                obj.close()


def attach_counter(target: Target, counts: bpf.BpfMap, nr: int) -> list:
    prog = bpf.load_program(counting_program(target, counts, nr).assemble(), "count_calls")
    return [prog, bpf.attach_tracepoint(prog, "raw_syscalls", "sys_enter")]


def counted(counts: bpf.BpfMap) -> dict[int, int]:
    return {U32.unpack(k)[0]: U64.unpack(counts.lookup(k))[0] for k in counts.keys()}


def test_sys_enter_program_counts_exactly_the_childs_calls(build: Callable[[str], Path]) -> None:
    prog = build("ebpf_calls.c")
    with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "counts") as counts:
        pid, status, left = run_traced(Config(command=(str(prog), "37", "0")),
                                       lambda t: attach_counter(t, counts, GETPPID))
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert counted(counts) == {pid: 37}
    assert left == []  # the reaped child's id left the map


def exit_program(target: Target, exits: bpf.BpfMap) -> Program:
    """sched_process_exit of a traced task: exits[tid] = 1."""
    p = Program()
    p.mov(R6, R1)
    target.emit_filter(p, "out")
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.stx(W, R10, -16, R0)
    p.st(DW, R10, -24, 1)
    p.ld_map(R1, exits)
    p.mov(R2, R10)
    p.add(R2, -16)
    p.mov(R3, R10)
    p.add(R3, -24)
    p.mov(R4, bpf.ANY)
    p.call(Helper.MAP_UPDATE_ELEM)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def test_follow_forks_counts_threads_children_and_grandchildren(build: Callable[[str], Path]) -> None:
    prog = build("ebpf_fork.c")

    def attach(t: Target) -> list:
        on_exit = bpf.load_program(exit_program(t, exits).assemble(), "exits")
        return [*attach_counter(t, counts, GETPPID), on_exit,
                bpf.attach_tracepoint(on_exit, "sched", "sched_process_exit")]

    with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "counts") as counts, \
            bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "exits") as exits:
        pid, status, left = run_traced(Config(command=(str(prog),), follow_forks=True), attach)
        assert os.WEXITSTATUS(status) == 0
        by_tid = counted(counts)
        assert by_tid[pid] == 3
        assert sorted(by_tid.values()) == [3, 5, 7, 11]  # main thread, child, grandchild, thread
        # a session's exit program ran before the Target's, which removes the exiting ids
        assert sorted(counted(exits)) == sorted(by_tid)
    assert left == []  # every process and thread id left the map as it exited


def test_without_follow_forks_only_the_main_thread_counts(build: Callable[[str], Path]) -> None:
    prog = build("ebpf_fork.c")
    with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "counts") as counts:
        pid, _, _ = run_traced(Config(command=(str(prog),)), lambda t: attach_counter(t, counts, GETPPID))
        assert counted(counts) == {pid: 3}


def test_calls_before_release_are_not_traced(build: Callable[[str], Path]) -> None:
    """The gate holds the child before its execve: nothing it runs is traced until release()."""
    prog = build("ebpf_calls.c")
    config = Config(command=(str(prog), "5"))
    with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "counts") as counts, Target(config) as t:
        t.spawn()
        objects = attach_counter(t, counts, GETPPID)
        try:
            os.getppid()  # renacer's own call: never traced
            time.sleep(0.05)
            assert counted(counts) == {}
            assert t.reap(block=False) is None  # still held at the gate
        finally:
            for obj in reversed(objects):
                obj.close()
    # closed without release: the child ended without running the command, and was reaped
    assert t.main_status is not None and os.WEXITSTATUS(t.main_status) == 1


def test_attach_pids_traces_a_running_process(build: Callable[[str], Path]) -> None:
    """-p: a shell already running, then exec'ing the fixture in the same process, is counted from then on."""
    prog = build("ebpf_calls.c")
    shell = subprocess.Popen(["sh", "-c", f"read go; exec {prog} 6"], stdin=subprocess.PIPE)
    try:
        wait_blocked_in_read(shell.pid)  # the shell's own start-up (a getppid for $PPID) is over
        with bpf.BpfMap.create(bpf.MAP_HASH, 4, 8, 64, "counts") as counts, Target(Config()) as t:
            assert t.attach_pids((shell.pid,)) == [shell.pid]
            objects = attach_counter(t, counts, GETPPID)
            try:
                shell.communicate(b"go\n", timeout=10)
                assert counted(counts) == {shell.pid: 6}
            finally:
                for obj in reversed(objects):
                    obj.close()
            with pytest.raises(RenacerError, match="cannot trace renacer itself"):
                t.attach_pids((os.getpid(),))
            with pytest.raises(RenacerError, match="No such process"):
                t.attach_pids((0,))
    finally:
        shell.kill()
        shell.wait()


def wait_blocked_in_read(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/syscall") as f:
            if f.read().split(" ", 1)[0] == str(READ):
                return
        time.sleep(0.005)
    raise AssertionError(f"{pid} never blocked in read")


def test_attach_pids_takes_every_thread_or_the_process() -> None:
    parent = os.getppid()
    tids = sorted(int(x) for x in os.listdir(f"/proc/{parent}/task"))
    with Target(Config()) as t:
        assert t.attach_pids((parent,)) == tids
        assert sorted(t.traced()) == tids
    with Target(Config(follow_forks=True)) as t:
        assert t.attach_pids((parent,)) == [parent]


# ---- the ring buffer ---------------------------------------------------------------------


def ring_program(target: Target, ring: bpf.BpfMap) -> Program:
    """sys_enter of a traced task: getppid -> a record {nr, 0, 0}; close(fd >= 1000) -> {nr, 0, fd},
    discarded when fd is odd. Records are 16 bytes: u32 nr, u32 pad, u64 argument."""
    fields = bpf.tracepoint_fields("raw_syscalls", "sys_enter")
    nr_off, args_off = fields["id"][0], fields["args"][0]
    p = Program()
    p.mov(R6, R1)
    target.emit_filter(p, "out")
    p.ldx(DW, R7, R6, nr_off)
    p.jmp("==", R7, GETPPID, "record")
    p.jmp("!=", R7, CLOSE, "out")
    p.ldx(DW, R1, R6, args_off)
    p.jmp("<", R1, 1000, "out")
    p.label("record")
    p.ld_map(R1, ring)
    p.mov(R2, 16)
    p.mov(R3, 0)
    p.call(Helper.RINGBUF_RESERVE)
    p.jmp("==", R0, 0, "out")  # full: dropped
    p.stx(W, R0, 0, R7)
    p.st(W, R0, 4, 0)
    p.st(DW, R0, 8, 0)
    p.jmp("==", R7, GETPPID, "submit")
    p.ldx(DW, R1, R6, args_off)
    p.stx(DW, R0, 8, R1)
    p.jmp("&", R1, 1, "discard")
    p.label("submit")
    p.mov(R1, R0)
    p.mov(R2, 0)
    p.call(Helper.RINGBUF_SUBMIT)
    p.ja("out")
    p.label("discard")
    p.mov(R1, R0)
    p.mov(R2, 0)
    p.call(Helper.RINGBUF_DISCARD)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def attach_ring(target: Target, ring: bpf.BpfMap) -> list:
    prog = bpf.load_program(ring_program(target, ring).assemble(), "ring_calls")
    return [prog, bpf.attach_tracepoint(prog, "raw_syscalls", "sys_enter")]


def decode(records: list[bytes]) -> list[tuple[int, int]]:
    return [(U32.unpack_from(r, 0)[0], U64.unpack_from(r, 8)[0]) for r in records]


def test_ring_buffer_gives_back_exactly_the_records_in_order(build: Callable[[str], Path]) -> None:
    prog = build("ebpf_calls.c")
    with bpf.BpfMap.create(bpf.MAP_RINGBUF, 0, 0, 64 << 10, "ring") as ring_map, RingBuffer(ring_map) as ring:
        assert not ring.wait(0) and ring.drain() == []
        run_traced(Config(command=(str(prog), "4", "9", "1000")), lambda t: attach_ring(t, ring_map))
        assert ring.wait(1000)
        got = decode(ring.drain())
        assert got == [(GETPPID, 0)] * 4 + [(CLOSE, fd) for fd in range(1000, 1009, 2)]  # odd fds discarded
        assert ring.drain() == [] and ring.pending() == 0


def test_ring_buffer_records_that_wrap_read_whole(build: Callable[[str], Path]) -> None:
    """A one-page ring, filled past its end in two runs (each record 24 bytes with its header)."""
    prog = build("ebpf_calls.c")
    page = os.sysconf("SC_PAGE_SIZE")
    with bpf.BpfMap.create(bpf.MAP_RINGBUF, 0, 0, page, "ring") as ring_map, RingBuffer(ring_map) as ring:
        first = (page * 3 // 4) // 24  # calls; the odd half is discarded, but takes room too
        run_traced(Config(command=(str(prog), "0", str(first), "1000")), lambda t: attach_ring(t, ring_map))
        assert decode(ring.drain()) == [(CLOSE, fd) for fd in range(1000, 1000 + first, 2)]
        run_traced(Config(command=(str(prog), "0", str(first), "2000")), lambda t: attach_ring(t, ring_map))
        assert decode(ring.drain()) == [(CLOSE, fd) for fd in range(2000, 2000 + first, 2)]


def test_a_full_ring_buffer_drops_records_and_the_program_sees_it(build: Callable[[str], Path]) -> None:
    prog = build("ebpf_calls.c")
    page = os.sysconf("SC_PAGE_SIZE")
    with bpf.BpfMap.create(bpf.MAP_RINGBUF, 0, 0, page, "ring") as ring_map, RingBuffer(ring_map) as ring:
        run_traced(Config(command=(str(prog), "1000")), lambda t: attach_ring(t, ring_map))
        got = decode(ring.drain())
        assert got == [(GETPPID, 0)] * (page // 24)  # as many as fit; the rest were never reserved
