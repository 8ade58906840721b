"""The kernel half of streaming: four tracepoint programs that fill the record of payload.py.

``sys_enter`` starts a record in the calling thread's slot of ``entries`` (header, arguments,
the argument memory the ``spec`` map says to read at entry); ``sys_exit`` completes it (result,
memory to read at exit) and copies it to the ring buffer: one record a call. A call that never
returns (exit, exit_group) is sent at entry. ``sched_process_exit`` sends a short record when a
traced task ends, carrying the last signal ``signal_deliver`` saw for it (what killed it). When the
ring buffer is full the record is counted in this CPU's ``lost`` slot, never dropped silently.

Register use: R6 the tracepoint context, R8 the syscall's spec row, R9 the record, R7 scratch that
helper calls keep (the record's length while a capture is made).
"""

from __future__ import annotations

from typing import Protocol

from .asm import DW, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, B, H, Helper, MapLike, Program, Reg, W
from .capture import EXECS, FIXED, FROM_RET, NEVER_RETURNS, NR_LIMIT, SLOT, SLOTS, SPEC_HEAD, STRING, TRACED
from .payload import (
    BYTES,
    ENTRY,
    EXIT,
    HEADER,
    MAX_LENGTH,
    NO_EXIT,
    OFF_ARGS,
    OFF_ENTER,
    OFF_EXIT,
    OFF_LENGTH,
    OFF_NR,
    OFF_RET,
    OFF_STATE,
    OFF_TGID,
    OFF_TID,
    PAYLOAD,
    PENDING,
    RETURNED,
    SPAN,
    STRING_CUT,
    STRING_ENDED,
)
from .stream_exec import capture_exec, close_span
from .tracefs import TracepointLayout

TASK_EXIT = 8  # state of the short record sched_process_exit sends: args[0] the signal that killed it
SIGNAL = 16  # state of stream_signals.py's record: nr the signal, args the first 48 bytes of its siginfo


class Filter(Protocol):
    """follow.Target.emit_filter: jump to the label unless the task is traced; ``keep`` gets pid_tgid."""

    def __call__(self, prog: Program, skip_label: str, scratch: int = ...,
                 keep: Reg | None = ...) -> None: ...


# stack slots (below R10)
KEY_NR, KEY_TID, KEY_ZERO, PID_TGID, SRC, SIZE, STATE = -4, -8, -12, -24, -32, -40, -48
MISSED = 1 << 8  # state bit 8 + k: slot k's read failed at entry


def _lookup(p: Program, bpf_map: MapLike, key_off: int) -> None:
    """R0 = bpf_map_lookup_elem(map, R10 + key_off)."""
    p.ld_map(R1, bpf_map)
    p.mov(R2, R10)
    p.add(R2, key_off)
    p.call(Helper.MAP_LOOKUP_ELEM)


def count_lost(p: Program, lost: MapLike, skip_label: str) -> None:
    """lost[0] += 1 (a PERCPU_ARRAY: this CPU's count, no atomics); clobbers R0-R5 and KEY_ZERO."""
    p.st(W, R10, KEY_ZERO, 0)
    _lookup(p, lost, KEY_ZERO)
    p.jmp("==", R0, 0, skip_label)  # never: the verifier wants the check
    p.ldx(DW, R1, R0, 0)
    p.add(R1, 1)
    p.stx(DW, R0, 0, R1)


def _send(p: Program, ring: MapLike, lost: MapLike) -> None:
    """Copy the record at R9 (HEADER + its length) to the ring buffer; count it in lost[cpu] if full."""
    p.comment("R3 = HEADER + length, bounded so the verifier sees it within the slot")
    p.ldx(W, R3, R9, OFF_LENGTH)
    p.jmp("<=", R3, MAX_LENGTH, "send_sized")
    p.mov(R3, MAX_LENGTH)
    p.label("send_sized")
    p.add(R3, HEADER)
    p.ld_map(R1, ring)
    p.mov(R2, R9)
    p.mov(R4, 0)
    p.call(Helper.RINGBUF_OUTPUT)
    p.jmp("==", R0, 0, "out")
    p.label("lost")
    p.comment("the ring buffer is full (or the slot could not be made): lost[this cpu] += 1")
    count_lost(p, lost, "out")
    p.ja("out")


def _capture(p: Program, phase: int, k: int, retry: bool = False) -> None:
    """Spec slot k of R8: if it is for this phase, read the argument's memory into a span at R9's end.

    A read at entry can fail where the tracee has not touched the page yet (a string in a binary's
    .rodata: these programs cannot fault pages in); the slot's MISSED bit is set, and with ``retry``
    sys_exit reads it again, once the syscall itself has brought the page in.
    """
    s = SPEC_HEAD + k * SLOT
    tag = f"_{'r' if retry else phase}{k}"
    nxt, miss = "next" + tag, "miss" + tag
    p.comment(f"slot {k}: kind 0 is an empty slot; another phase's slot is the other program's")
    p.ldx(B, R1, R8, s + 2)
    p.jmp("==", R1, 0, nxt)
    p.ldx(B, R1, R8, s + 1)
    p.jmp("!=", R1, phase, nxt)
    if retry:
        p.comment("only a read that failed at entry is made again")
        p.ldx(DW, R1, R10, STATE)
        p.and_(R1, MISSED << k)
        p.jmp("==", R1, 0, nxt)
    p.comment("the source address: args[slot.arg], kept on the stack across the helper call")
    p.ldx(B, R1, R8, s + 0)
    p.jmp(">", R1, 5, nxt)
    p.lsh(R1, 3)
    p.add(R1, R9)
    p.ldx(DW, R1, R1, OFF_ARGS)
    p.jmp("==", R1, 0, nxt)
    p.stx(DW, R10, SRC, R1)
    p.comment("R2 = bytes to read: slot.limit, or less when the count is an argument or the result")
    p.ldx(H, R2, R8, s + 6)
    p.ldx(B, R1, R8, s + 3)
    p.jmp("==", R1, FIXED, "sized" + tag)
    p.jmp("!=", R1, FROM_RET, "by_arg" + tag)
    p.ldx(DW, R3, R9, OFF_RET)
    p.jmp("s<=", R3, 0, nxt)
    p.ja("count" + tag)
    p.label("by_arg" + tag)
    p.sub(R1, 1)
    p.jmp(">", R1, 5, nxt)
    p.lsh(R1, 3)
    p.add(R1, R9)
    p.ldx(DW, R3, R1, OFF_ARGS)
    p.label("count" + tag)
    p.comment("a count past PAYLOAD keeps the limit (and the product below cannot overflow)")
    p.jmp(">", R3, PAYLOAD, "sized" + tag)
    p.ldx(H, R4, R8, s + 4)
    p.mul(R3, R4)
    p.jmp(">=", R3, R2, "sized" + tag)
    p.mov(R2, R3)
    p.label("sized" + tag)
    p.jmp("==", R2, 0, nxt)
    p.jmp("<=", R2, PAYLOAD, "bounded" + tag)
    p.mov(R2, PAYLOAD)
    p.label("bounded" + tag)
    p.stx(DW, R10, SIZE, R2)
    p.comment("R7 = the record's length: the span starts there, if it is below PAYLOAD")
    p.ldx(W, R7, R9, OFF_LENGTH)
    p.jmp(">=", R7, PAYLOAD, nxt)
    p.mov(R1, R9)
    p.add(R1, R7)
    p.add(R1, HEADER + SPAN)
    p.ldx(DW, R3, R10, SRC)
    p.ldx(B, R4, R8, s + 2)
    p.jmp("==", R4, STRING, "string" + tag)
    p.comment("bytes: all of them or none")
    p.call(Helper.PROBE_READ_USER)
    p.jmp("!=", R0, 0, miss)
    p.ldx(DW, R0, R10, SIZE)
    p.mov(R4, BYTES)
    p.ja("span" + tag)
    p.label("string" + tag)
    p.comment("a string: R0 = bytes copied with the NUL; all R2 of them means it may go on")
    p.call(Helper.PROBE_READ_USER_STR)
    p.jmp("s<=", R0, 0, miss)
    p.ldx(DW, R2, R10, SIZE)
    p.mov(R4, STRING_CUT)
    p.jmp(">=", R0, R2, "cut" + tag)
    p.mov(R4, STRING_ENDED)
    p.label("cut" + tag)
    p.sub(R0, 1)
    p.label("span" + tag)
    close_span(p, phase, SRC)
    p.ja(nxt)
    p.label(miss)
    if phase == ENTRY and not retry:
        p.ldx(W, R1, R9, OFF_STATE)
        p.or_(R1, MISSED << k)
        p.stx(W, R9, OFF_STATE, R1)
    p.label(nxt)


def enter_program(emit_filter: Filter, spec: MapLike, entries: MapLike, blank: MapLike, ring: MapLike,
                  lost: MapLike, layout: TracepointLayout) -> Program:
    """raw_syscalls:sys_enter: start the traced thread's record; send it now if the call never returns.

    ``layout``: this kernel's sys_enter record, from tracefs (``long id``, ``unsigned long args[6]``).
    """
    id_off, args_off = layout.offset("id", 8), layout.offset("args", 6 * 8)
    p = Program()
    p.comment("R6 = ctx, kept: the pid filter's helper calls clobber R1-R5")
    p.mov(R6, R1)
    p.comment("R9 = pid_tgid, from the filter's own helper call (R9 is free until the slot lookup)")
    emit_filter(p, "out", keep=R9)
    p.comment("R7 = ctx->id; R8 = &spec[id], which says whether it is traced and what to read")
    p.ldx(DW, R7, R6, id_off)
    p.jmp(">=", R7, NR_LIMIT, "out")
    p.stx(W, R10, KEY_NR, R7)
    _lookup(p, spec, KEY_NR)
    p.jmp("==", R0, 0, "out")
    p.mov(R8, R0)
    p.ldx(B, R1, R8, 0)
    p.and_(R1, TRACED)
    p.jmp("==", R1, 0, "out")
    p.comment("R9 = &entries[tid]; the first call of a thread makes its slot from the zeroed blank[0]")
    p.stx(DW, R10, PID_TGID, R9)
    p.stx(W, R10, KEY_TID, R9)
    _lookup(p, entries, KEY_TID)
    p.jmp("!=", R0, 0, "have_slot")
    p.st(W, R10, KEY_ZERO, 0)
    _lookup(p, blank, KEY_ZERO)
    p.jmp("==", R0, 0, "out")
    p.mov(R3, R0)
    p.ld_map(R1, entries)
    p.mov(R2, R10)
    p.add(R2, KEY_TID)
    p.mov(R4, 0)
    p.call(Helper.MAP_UPDATE_ELEM)
    p.jmp("!=", R0, 0, "lost")  # too many threads at once: this call is lost, and counted
    _lookup(p, entries, KEY_TID)
    p.jmp("==", R0, 0, "out")
    p.label("have_slot")
    p.mov(R9, R0)
    p.comment("header: tid, tgid, nr, the six argument registers, the time; no spans yet")
    p.ldx(DW, R1, R10, PID_TGID)
    p.stx(W, R9, OFF_TID, R1)
    p.rsh(R1, 32)
    p.stx(W, R9, OFF_TGID, R1)
    p.stx(DW, R9, OFF_NR, R7)
    for i in range(6):
        p.ldx(DW, R1, R6, args_off + 8 * i)
        p.stx(DW, R9, OFF_ARGS + 8 * i, R1)
    p.call(Helper.KTIME_GET_NS)
    p.stx(DW, R9, OFF_ENTER, R0)
    p.stx(DW, R9, OFF_EXIT, R0)
    p.st(DW, R9, OFF_RET, 0)
    p.st(W, R9, OFF_STATE, PENDING)
    p.st(W, R9, OFF_LENGTH, 0)
    for k in range(SLOTS):
        _capture(p, ENTRY, k)
    p.comment("an exec: its argv and envp, gone once it succeeds (stream_exec.py)")
    p.ldx(B, R1, R8, 0)
    p.and_(R1, EXECS)
    p.jmp("==", R1, 0, "not_exec")
    capture_exec(p)
    p.label("not_exec")
    p.comment("exit, exit_group: no sys_exit will come, send the record now")
    p.ldx(B, R1, R8, 0)
    p.and_(R1, NEVER_RETURNS)
    p.jmp("==", R1, 0, "out")
    p.st(W, R9, OFF_STATE, NO_EXIT)
    _send(p, ring, lost)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def exit_program(spec: MapLike, entries: MapLike, ring: MapLike, lost: MapLike,
                 layout: TracepointLayout) -> Program:
    """raw_syscalls:sys_exit: complete the thread's pending record and send it.

    ``layout``: this kernel's sys_exit record, from tracefs (``long ret``).
    """
    ret_off = layout.offset("ret", 8)
    p = Program()
    p.mov(R6, R1)
    p.comment("R9 = &entries[tid]; only a traced thread's sys_enter made one, so no filter is needed here")
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.stx(W, R10, KEY_TID, R0)
    _lookup(p, entries, KEY_TID)
    p.jmp("==", R0, 0, "out")
    p.mov(R9, R0)
    p.ldx(W, R1, R9, OFF_STATE)
    p.stx(DW, R10, STATE, R1)
    p.and_(R1, PENDING)
    p.jmp("==", R1, 0, "out")
    p.comment("the result and the time; the record is no longer pending")
    p.ldx(DW, R1, R6, ret_off)
    p.stx(DW, R9, OFF_RET, R1)
    p.call(Helper.KTIME_GET_NS)
    p.stx(DW, R9, OFF_EXIT, R0)
    p.st(W, R9, OFF_STATE, RETURNED)
    p.ldx(DW, R1, R9, OFF_NR)
    p.jmp(">=", R1, NR_LIMIT, "send")
    p.stx(W, R10, KEY_NR, R1)
    _lookup(p, spec, KEY_NR)
    p.jmp("==", R0, 0, "send")
    p.mov(R8, R0)
    p.comment("entry reads that failed, again (not after an exec: the memory they named is gone)")
    p.ldx(B, R1, R8, 0)
    p.and_(R1, EXECS)
    p.jmp("!=", R1, 0, "no_retry")
    for k in range(SLOTS):
        _capture(p, ENTRY, k, retry=True)
    p.label("no_retry")
    p.comment("a failed call (-4095..-1) has nothing to read at exit")
    p.ldx(DW, R1, R9, OFF_RET)
    p.jmp("s<", R1, -4095, "read_exit")
    p.jmp("s<", R1, 0, "send")
    p.label("read_exit")
    for k in range(SLOTS):
        _capture(p, EXIT, k)
    p.label("send")
    _send(p, ring, lost)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def task_exit_program(emit_filter: Filter, entries: MapLike, blank: MapLike, signals: MapLike,
                      ring: MapLike, lost: MapLike) -> Program:
    """sched:sched_process_exit: send a header-only record (state TASK_EXIT, args[0] the last signal)."""
    p = Program()
    p.mov(R6, R1)
    emit_filter(p, "out")
    p.comment("built in blank[0] (this CPU's zeroed slot), then zeroed again")
    p.st(W, R10, KEY_ZERO, 0)
    _lookup(p, blank, KEY_ZERO)
    p.jmp("==", R0, 0, "out")
    p.mov(R9, R0)
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.stx(W, R10, KEY_TID, R0)
    p.stx(W, R9, OFF_TID, R0)
    p.rsh(R0, 32)
    p.stx(W, R9, OFF_TGID, R0)
    p.st(W, R9, OFF_STATE, TASK_EXIT)
    p.st(DW, R9, OFF_ARGS, 0)
    _lookup(p, signals, KEY_TID)
    p.jmp("==", R0, 0, "timed")
    p.ldx(W, R1, R0, 0)
    p.stx(DW, R9, OFF_ARGS, R1)
    p.label("timed")
    p.call(Helper.KTIME_GET_NS)
    p.stx(DW, R9, OFF_ENTER, R0)
    p.stx(DW, R9, OFF_EXIT, R0)
    p.comment("the thread's slot and signal go with it")
    p.ld_map(R1, entries)
    p.mov(R2, R10)
    p.add(R2, KEY_TID)
    p.call(Helper.MAP_DELETE_ELEM)
    p.ld_map(R1, signals)
    p.mov(R2, R10)
    p.add(R2, KEY_TID)
    p.call(Helper.MAP_DELETE_ELEM)
    p.mov(R3, HEADER)
    p.ld_map(R1, ring)
    p.mov(R2, R9)
    p.mov(R4, 0)
    p.call(Helper.RINGBUF_OUTPUT)
    p.mov(R7, R0)
    p.st(W, R9, OFF_STATE, 0)
    p.st(DW, R9, OFF_ARGS, 0)
    p.jmp("==", R7, 0, "out")
    count_lost(p, lost, "out")
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p
