"""-c with the eBPF backend: the kernel adds up calls, errors and time per syscall; the tracee never stops.

Two small tracepoint programs do all the work. ``sys_enter`` notes when a traced thread entered
which syscall; ``sys_exit`` takes the duration and adds it to this CPU's row for the syscall.
Nothing crosses to user space while the program runs: at the end ``totals()`` reads the rows
of every CPU once and adds them up. Percentiles come from the row's log2 histogram.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...events import SyscallTotals
from . import bpf
from .asm import DW, R0, R1, R2, R3, R6, R7, R8, R9, R10, Helper, MapLike, Program, W

if TYPE_CHECKING:
    from ...arch import Arch
    from ...config import Config
    from .follow import Target

# Raw tracepoints (BPF_RAW_TRACEPOINT_OPEN): the program gets the tracepoint's own arguments, with
# no record built for perf first, which makes each syscall ~30 ns cheaper here than a perf-attached
# tracepoint. raw_syscalls passes (struct pt_regs *regs, long id) at entry and (regs, long ret) at exit:
# its TP_PROTO, the same on every architecture (a perf record's layout is not: see tracefs.py). The
# program reads each as one u64 of ctx->args[]; regs itself is never read, so no pt_regs layout is assumed.
PROG_TYPE_RAW_TRACEPOINT = bpf.PROG_TYPE_RAW_TRACEPOINT
RAW_ID, RAW_RET = 8, 8  # ctx->args[1] at entry and at exit

# gate: ARRAY, 1 entry, key u32 0 -> u32 open. Closed until the spawned command's execve (its
# own start-up before exec is renacer's, not the program's); open from the start with -p.
GATE_VALUE = struct.Struct("<I")

# starts: ARRAY, key u32 (tid & mask) -> the call that thread is in: {time, nr, tid}. An array,
# not a hash: its lookup is inlined and nothing is inserted or deleted per call. The slot is the
# tid itself when pid_max fits; else two traced threads whose tids collide, both in a call at
# once, cost the first its count (exit finds the other tid). An exit marks its slot done (tid 0);
# exit and exit_group, which never return, are never noted, so no dead thread's tid is left behind.
START = struct.Struct("<QII")  # enter time (ktime ns), syscall number, tid
START_TIME, START_NR, START_TID = 0, 8, 12
MAX_SLOTS = 1 << 18  # 4 MB of starts at most


def start_slots() -> int:
    """Slots in ``starts``: pid_max rounded up to a power of two, at most MAX_SLOTS."""
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
    except (OSError, ValueError):
        pid_max = MAX_SLOTS
    return min(1 << (max(pid_max, 2) - 1).bit_length(), MAX_SLOTS)


# stats: PERCPU_ARRAY, key u32 syscall number -> this CPU's row (no locks, no atomics: only
# this CPU writes it). The slots count calls by the bit length of their duration in ns.
SLOTS = 64
ROW = struct.Struct(f"<5Q{SLOTS}Q")  # calls, errors, total ns, min ns, max ns, histogram
CALLS, ERRORS, TOTAL, MIN, MAX, HIST = 0, 8, 16, 24, 32, 40


def enter_program(target: Target, gate: MapLike, starts: MapLike, mask: int,
                  execs: tuple[int, ...], endings: tuple[int, ...]) -> Program:
    """raw_syscalls:sys_enter: remember (now, nr) for a traced thread once the gate is open."""
    p = Program()
    p.comment("R6 = ctx, kept: the pid filter's helper calls clobber R1-R5")
    p.mov(R6, R1)
    p.comment("R8 = pid_tgid, from the filter's own helper call")
    target.emit_filter(p, "out", keep=R8)
    p.comment("R7 = the syscall number (ctx->args[1])")
    p.ldx(DW, R7, R6, RAW_ID)
    p.comment("R0 = &gate[0] (an array: the kernel inlines the lookup)")
    p.st(W, R10, -4, 0)
    p.ld_map(R1, gate)
    p.mov(R2, R10)
    p.add(R2, -4)
    p.call(Helper.MAP_LOOKUP_ELEM)
    p.jmp("==", R0, 0, "out")  # never: the verifier wants the check
    p.comment("open: time every call")
    p.ldx(W, R1, R0, 0)
    p.jmp("!=", R1, 0, "timed")
    p.comment("closed: only the command's exec opens it (what came before is renacer's start-up)")
    for nr in execs[:-1]:
        p.jmp("==", R7, nr, "open")
    p.jmp("!=", R7, execs[-1], "out")
    p.label("open")
    p.st(W, R0, 0, 1)
    p.label("timed")
    p.comment("exit and exit_group never return: their slot stays done, never left for a reused tid")
    for nr in endings:
        p.jmp("==", R7, nr, "out")
    p.comment("R8 = tid (the low half of pid_tgid); R9 = &starts[tid & mask] (inlined lookup)")
    p.mov32(R8, R8)
    p.mov32(R1, R8)
    p.and32(R1, mask)
    p.stx(W, R10, -8, R1)
    p.ld_map(R1, starts)
    p.mov(R2, R10)
    p.add(R2, -8)
    p.call(Helper.MAP_LOOKUP_ELEM)
    p.jmp("==", R0, 0, "out")  # never: the index is masked
    p.mov(R9, R0)
    p.comment("starts[...] = {time = now, nr, tid}: the time last, as close to the call as can be")
    p.stx(W, R9, START_NR, R7)
    p.stx(W, R9, START_TID, R8)
    p.call(Helper.KTIME_GET_NS)
    p.stx(DW, R9, START_TIME, R0)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def exit_program(starts: MapLike, mask: int, stats: MapLike, rows: int) -> Program:
    """raw_syscalls:sys_exit: add this call's duration to its syscall's row on this CPU."""
    p = Program()
    p.comment("R6 = ctx, kept across helper calls")
    p.mov(R6, R1)
    p.comment("R7 = &starts[tid & mask]: no pid filter, only a traced thread's call left its tid there")
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.mov32(R9, R0)
    p.and32(R0, mask)
    p.stx(W, R10, -4, R0)
    p.ld_map(R1, starts)
    p.mov(R2, R10)
    p.add(R2, -4)
    p.call(Helper.MAP_LOOKUP_ELEM)
    p.jmp("==", R0, 0, "out")  # never: the index is masked
    p.mov(R7, R0)
    p.comment("not this thread's (untraced, done, or a colliding tid's): leave")
    p.ldx(W, R1, R7, START_TID)
    p.jmp("!=", R1, R9, "out")
    p.comment("R8 = the syscall number, as it entered (a raw sys_exit is given no number)")
    p.ldx(W, R8, R7, START_NR)
    p.comment("R9 = now - start.time: the duration in ns; the slot is done")
    p.call(Helper.KTIME_GET_NS)
    p.ldx(DW, R9, R7, START_TIME)
    p.st(W, R7, START_TID, 0)
    p.sub(R0, R9)
    p.mov(R9, R0)
    p.comment("R7 = &stats[nr], this CPU's row (unsigned compare: also drops nr -1)")
    p.jmp(">", R8, rows - 1, "out")
    p.stx(W, R10, -8, R8)
    p.ld_map(R1, stats)
    p.mov(R2, R10)
    p.add(R2, -8)
    p.call(Helper.MAP_LOOKUP_ELEM)
    p.jmp("==", R0, 0, "out")
    p.mov(R7, R0)
    p.comment("min = duration on the first call or a shorter one")
    p.ldx(DW, R1, R7, CALLS)
    p.jmp("==", R1, 0, "newmin")
    p.ldx(DW, R2, R7, MIN)
    p.jmp("<=", R2, R9, "minok")
    p.label("newmin")
    p.stx(DW, R7, MIN, R9)
    p.label("minok")
    p.comment("calls += 1 (R1 still holds calls)")
    p.add(R1, 1)
    p.stx(DW, R7, CALLS, R1)
    p.comment("errors += 1 when the return value (ctx->args[1]) is in -4095..-1, as the C library reads it")
    p.ldx(DW, R1, R6, RAW_RET)
    p.jmp("s<", R1, -4095, "ok")
    p.jmp("s>=", R1, 0, "ok")
    p.ldx(DW, R2, R7, ERRORS)
    p.add(R2, 1)
    p.stx(DW, R7, ERRORS, R2)
    p.label("ok")
    p.comment("total += duration")
    p.ldx(DW, R1, R7, TOTAL)
    p.add(R1, R9)
    p.stx(DW, R7, TOTAL, R1)
    p.comment("max = duration if longer")
    p.ldx(DW, R1, R7, MAX)
    p.jmp(">=", R1, R9, "maxok")
    p.stx(DW, R7, MAX, R9)
    p.label("maxok")
    p.comment("R2 = floor(log2 duration) by halving R1 (no loop), then + its last bit = bit length")
    p.mov(R1, R9)
    p.mov(R2, 0)
    for shift in (32, 16, 8, 4, 2, 1):
        p.mov(R3, R1)
        p.rsh(R3, shift)
        p.jmp("==", R3, 0, f"below{shift}")  # nothing above the low `shift` bits
        p.mov(R1, R3)
        p.add(R2, shift)
        p.label(f"below{shift}")
    p.add(R2, R1)
    p.comment("histogram[slot] += 1 (the mask bounds the index for the verifier; it changes nothing)")
    p.and_(R2, SLOTS - 1)
    p.lsh(R2, 3)
    p.mov(R3, R7)
    p.add(R3, R2)
    p.ldx(DW, R1, R3, HIST)
    p.add(R1, 1)
    p.stx(DW, R3, HIST, R1)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


class SummarySession:
    """The kernel-side -c: attach, let the command run, read ``totals()``, ``close()``."""

    def __init__(self, target: Target, arch: Arch, config: Config) -> None:
        self.target, self.arch, self.config = target, arch, config
        self.rows = max(arch.syscalls) + 1
        self._owned: list = []  # maps, programs and attachments, closed in reverse

    def attach(self) -> None:
        """Create the maps, load both programs and attach them to raw_syscalls."""
        create = bpf.BpfMap.create
        self.gate = self._own(create(bpf.MAP_ARRAY, 4, GATE_VALUE.size, 1, name="rn_sum_gate"))
        slots = start_slots()
        self.starts = self._own(create(bpf.MAP_ARRAY, 4, START.size, slots, name="rn_sum_starts"))
        self.stats = self._own(create(bpf.MAP_PERCPU_ARRAY, 4, ROW.size, self.rows, name="rn_sum_stats"))
        if not self.config.command:  # -p: the processes run already, there is no exec to wait for
            self.gate.update(_key(0), GATE_VALUE.pack(1))
        execs = tuple(self.arch.numbers[n] for n in ("execve", "execveat") if n in self.arch.numbers)
        endings = tuple(self.arch.numbers[n] for n in ("exit", "exit_group") if n in self.arch.numbers)
        enter = enter_program(self.target, self.gate, self.starts, slots - 1, execs, endings)
        leave = exit_program(self.starts, slots - 1, self.stats, self.rows)
        # exit first: a call must never be entered without a program to finish it
        for prog, event in ((leave, "sys_exit"), (enter, "sys_enter")):
            loaded = self._own(bpf.load_program(prog.assemble(), f"rn_sum_{event}", PROG_TYPE_RAW_TRACEPOINT))
            self._own(bpf.attach_raw_tracepoint(loaded, event))

    def totals(self) -> list[SyscallTotals]:
        """Every syscall's row, added up over the CPUs (those never called left out)."""
        return list(self._totals())

    def _totals(self) -> Iterator[SyscallTotals]:
        shown = self.config.trace
        for nr in range(self.rows):
            if shown is not None and nr not in shown:
                continue
            values = self.stats.per_cpu_values(_key(nr))
            if values is None:
                continue
            per_cpu = [ROW.unpack(v) for v in values]
            called = [row for row in per_cpu if row[0]]
            if not called:
                continue
            hist = tuple(sum(row[5 + i] for row in called) for i in range(SLOTS))
            yield SyscallTotals(nr, self.arch.syscall_name(nr), sum(r[0] for r in called),
                                sum(r[1] for r in called), sum(r[2] for r in called),
                                min(r[3] for r in called), max(r[4] for r in called), hist)

    def close(self) -> None:
        """Detach the programs and free the maps (the kernel drops them with the last fd)."""
        while self._owned:
            self._owned.pop().close()

    def _own(self, obj):
        self._owned.append(obj)
        return obj


def _key(n: int) -> bytes:
    return struct.pack("<I", n)
