"""The kernel half of ``--- SIGCHLD {si_signo=SIGCHLD, ...} ---``: a raw tracepoint program on
signal:signal_deliver, which sends one header-only record a delivered signal.

The raw tracepoint gets the tracepoint's own arguments (``int sig, struct kernel_siginfo *info,
struct k_sigaction *ka``), so the whole siginfo is at hand: its first 48 bytes (``si_signo``,
``si_errno``, ``si_code`` and the union strace prints from: pid, uid, status, times, address...)
are copied into the record's six argument words. The program also notes the signal as the thread's
last (sched_process_exit reports it as what killed the thread). The record is built on the stack,
not in a map slot another program may be using.
"""

from __future__ import annotations

from .asm import DW, R0, R1, R2, R3, R4, R6, R10, Helper, MapLike, Program, W
from .payload import HEADER, OFF_ARGS, OFF_ENTER, OFF_EXIT, OFF_NR, OFF_STATE, OFF_TGID, OFF_TID
from .stream_programs import KEY_NR, KEY_TID, SIGNAL, Filter, count_lost

REC = -200  # the record, HEADER bytes below the stream programs' own stack slots
# sizeof(struct kernel_siginfo) in asm-generic/siginfo.h (3 ints, then a 32-byte union from offset 16
# on a 64-bit arch), the layout x86_64 and arm64 both use: arm64's asm/siginfo.h only includes it
SIGINFO_BYTES = 48


def signal_program(emit_filter: Filter, signals: MapLike, ring: MapLike, lost: MapLike) -> Program:
    """signal:signal_deliver (raw): a SIGNAL record with the siginfo; signals[tid] = the signal."""
    p = Program()
    p.comment("R6 = ctx: u64 args[] = {sig, info, ka}, the TP_PROTO (the same on every arch)")
    p.mov(R6, R1)
    emit_filter(p, "out")
    p.comment("a zeroed header on the stack: tid, tgid, nr = the signal, state SIGNAL")
    for off in range(0, HEADER, 8):
        p.st(DW, R10, REC + off, 0)
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.stx(W, R10, KEY_TID, R0)
    p.stx(W, R10, REC + OFF_TID, R0)
    p.rsh(R0, 32)
    p.stx(W, R10, REC + OFF_TGID, R0)
    p.ldx(W, R1, R6, 0)  # int sig: the low half of args[0] (renacer's arches are little-endian)
    p.stx(DW, R10, REC + OFF_NR, R1)
    p.stx(W, R10, KEY_NR, R1)
    p.st(W, R10, REC + OFF_STATE, SIGNAL)
    p.comment("signals[tid] = sig: what killed the thread, if it dies of it")
    p.ld_map(R1, signals)
    p.mov(R2, R10)
    p.add(R2, KEY_TID)
    p.mov(R3, R10)
    p.add(R3, KEY_NR)
    p.mov(R4, 0)
    p.call(Helper.MAP_UPDATE_ELEM)
    p.comment("args[0..5] = the siginfo's first 48 bytes (left zero if it cannot be read)")
    p.mov(R1, R10)
    p.add(R1, REC + OFF_ARGS)
    p.mov(R2, SIGINFO_BYTES)
    p.ldx(DW, R3, R6, 8)
    p.jmp("==", R3, 0, "timed")
    p.call(Helper.PROBE_READ_KERNEL)
    p.label("timed")
    p.call(Helper.KTIME_GET_NS)
    p.stx(DW, R10, REC + OFF_ENTER, R0)
    p.stx(DW, R10, REC + OFF_EXIT, R0)
    p.ld_map(R1, ring)
    p.mov(R2, R10)
    p.add(R2, REC)
    p.mov(R3, HEADER)
    p.mov(R4, 0)
    p.call(Helper.RINGBUF_OUTPUT)
    p.jmp("==", R0, 0, "out")
    p.comment("the ring buffer is full: lost[this cpu] += 1")
    count_lost(p, lost, "out")
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p
