"""Streaming with eBPF: every traced call as one record through a ring buffer, decoded by the
same decoders as ptrace, over the argument memory the kernel captured (see stream_programs.py
for the kernel half, payload.py for the record, capture.py for what is captured).

The tracee never stops. Records arrive in the order calls ended, so under -f a call that blocks
is printed whole when it returns, after calls other tasks made meanwhile (strace would print its
entry, ``<unfinished ...>``, and a ``resumed`` line). What the consumer could not keep up with is
counted by the kernel and reported as a LostEvent (``LOST n events``), never dropped silently.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...config import Config
from ...events import Event, ExitEvent, LostEvent, SignalEvent, SyscallEvent
from ...syscalls.base import Call
from ...syscalls.catalog import decoder_for
from ...syscalls.decoders.common import signal_name
from ..calls import CallText, fd_link, siginfo_text
from . import bpf
from .backlog import Backlog, records
from .capture import NR_LIMIT, SPEC_SIZE, STRING, captures_for, spec_value
from .payload import (
    HEADER,
    NO_EXIT,
    OFF_ARGS,
    OFF_ENTER,
    OFF_NR,
    OFF_RET,
    OFF_STATE,
    VALUE_SIZE,
    PayloadReader,
    Record,
    parse,
)
from .stream_exec import ARGV_WORDS
from .stream_programs import SIGNAL, TASK_EXIT, enter_program, exit_program, task_exit_program
from .stream_signals import signal_program

if TYPE_CHECKING:
    from ...arch import Arch
    from .follow import Target

RING_BYTES = 8 << 20  # its pages are resident from the start; drained in bulk between decoded records
BACKLOG_BYTES = 64 << 20  # records copied out, not decoded yet, at most: past it the kernel counts losses
_TAKE_EVERY = 8  # decoded records between two looks at the ring buffer (a look costs two loads)
RING_ENV = "RENACER_EBPF_RING_BYTES"  # tests only: a tiny ring buffer, to make the kernel drop records
MAX_THREADS = 65536  # threads with a record slot at once (allocated as they first enter a call)
_NO_PREALLOC = 1  # BPF_F_NO_PREALLOC: a slot is allocated at a thread's first call, not up front
_EXECS = ("execve", "execveat")
_EXITS = frozenset({"exit", "exit_group"})
_KEY0 = struct.Struct("<I").pack(0)
_HEAD = struct.Struct("<IIq48xQQqI")  # tid, tgid, nr, (args), enter_ns, exit_ns, ret, state
_U64 = struct.Struct("<Q")
_MEMO_SIZE = 4096  # decoded calls remembered (a loop repeats the same few)


def ring_bytes() -> int:
    """The ring buffer's size: RING_BYTES, or the test override rounded to a power of two pages."""
    wanted = os.environ.get(RING_ENV)
    if not wanted:
        return RING_BYTES
    size = mmap.PAGESIZE  # whole pages, whose size is the machine's (arm64 kernels differ)
    while size < int(wanted):
        size *= 2
    return size


class StreamSession:
    """The streaming programs of one run, and the consumer turning their records into events."""

    def __init__(self, target: Target, arch: Arch, config: Config, ring_size: int | None = None) -> None:
        self.target, self.arch, self.cfg = target, arch, config
        self.ring_size = ring_size or ring_bytes()
        self.lost = 0
        self._text = CallText(config, arch)
        self._maps: list[bpf.BpfMap] = []
        self._progs: list[bpf.Prog] = []
        self._attachments: list[bpf.Attachment] = []
        self.ring: Backlog | None = None
        self._fd_paths: dict[int, Callable[[int], str | None]] = {}  # per tid, for the decoders
        self._exec_done = False  # the spawned command's execve succeeded: its records are shown from then
        self._codes: dict[int, int] = {}  # tid -> exit(n)'s n; tgid -> exit_group(n)'s n
        self._wall_offset = time.time_ns() - time.monotonic_ns()
        self._names: dict[int, str] = {}
        # -y reads /proc when a call is shown, so the same call may print differently: no memo then
        self._memo_ok = not config.fd_paths
        self._memo: dict[bytes, tuple] = {}

    # ---- kernel side -----------------------------------------------------------------------

    def _map(self, kind: int, key: int, value: int, entries: int, name: str, flags: int = 0) -> bpf.BpfMap:
        m = bpf.BpfMap.create(kind, key, value, entries, name, flags)
        self._maps.append(m)
        return m

    def _load(self, program: object, name: str, category: str, event: str) -> None:
        prog = bpf.load_program(program.assemble(), name)
        self._progs.append(prog)
        self._attachments.append(bpf.attach_tracepoint(prog, category, event))

    def attach(self) -> None:
        """Create the maps, fill the capture table, load and attach the four programs."""
        try:
            self._attach()
        except BaseException:
            self.close()
            raise

    def _attach(self) -> None:
        spec = self._map(bpf.MAP_ARRAY, 4, SPEC_SIZE, NR_LIMIT, "renacer_spec")
        entries = self._map(bpf.MAP_HASH, 4, VALUE_SIZE, MAX_THREADS, "renacer_calls", _NO_PREALLOC)
        blank = self._map(bpf.MAP_PERCPU_ARRAY, 4, VALUE_SIZE, 1, "renacer_blank")
        lost = self._map(bpf.MAP_PERCPU_ARRAY, 4, 8, 1, "renacer_lost")
        signals = self._map(bpf.MAP_HASH, 4, 4, MAX_THREADS, "renacer_sigs")
        ring = self._map(bpf.MAP_RINGBUF, 0, 0, self.ring_size, "renacer_ring")
        self._lost_map = lost
        self._fill_spec(spec)
        self.ring = Backlog(ring, BACKLOG_BYTES)
        enter = bpf.tracepoint_layout("raw_syscalls", "sys_enter")
        leave = bpf.tracepoint_layout("raw_syscalls", "sys_exit")
        flt = self.target.emit_filter
        prog = bpf.load_program(signal_program(flt, signals, ring, lost).assemble(), "renacer_sig",
                                bpf.PROG_TYPE_RAW_TRACEPOINT)
        self._progs.append(prog)
        self._attachments.append(bpf.attach_raw_tracepoint(prog, "signal_deliver"))
        self._load(task_exit_program(flt, entries, blank, signals, ring, lost), "renacer_texit", "sched",
                   "sched_process_exit")
        self._load(exit_program(spec, entries, ring, lost, leave), "renacer_sexit",
                   "raw_syscalls", "sys_exit")
        self._load(enter_program(flt, spec, entries, blank, ring, lost, enter), "renacer_senter",
                   "raw_syscalls", "sys_enter")

    def _fill_spec(self, spec: bpf.BpfMap) -> None:
        """A row a syscall: if it is traced (an exec always is: it starts the trace), and what to read."""
        trace, raw = self.cfg.trace, self.cfg.raw
        for nr, name in self.arch.syscalls.items():
            if nr >= NR_LIMIT:
                continue
            traced = trace is None or nr in trace or name in _EXECS
            decoder = decoder_for(self.arch, name)
            caps = () if nr in raw or not traced else captures_for(self.arch, name, decoder)
            execs = None
            if name in _EXECS:
                # the path as usual; argv and envp are read whole by stream_exec.py
                caps = tuple(c for c in caps if c.kind == STRING)
                first = _EXECS.index(name)  # execveat's dirfd comes first
                abbrev = self.cfg.abbrev is None or nr in self.cfg.abbrev
                shown = self.cfg.string_limit if abbrev else ARGV_WORDS
                execs = (1 + first, 2 + first, 0 if nr in raw else min(shown, ARGV_WORDS - 1))
            value = spec_value(caps, traced, decoder.never_returns, self.cfg.string_limit, execs)
            spec.update(struct.pack("<I", nr), value)

    # ---- consumer ----------------------------------------------------------------------------

    def poll(self, timeout_ms: int) -> Iterator[Event]:
        """The events whose records arrived, waiting up to ``timeout_ms`` for the first."""
        ring = self.ring
        assert ring is not None, "attach() first"
        if ring.wait(timeout_ms):
            ring.take()
            # the chunks there are now; those taken while decoding them are the next poll's
            for _ in range(len(ring)):
                yield from self._events(ring.chunk())  # type: ignore[arg-type]
        yield from self._check_lost()

    def finish(self) -> Iterator[Event]:
        """Everything left once the main process ended (its last records, the count of any lost)."""
        ring = self.ring
        if ring is None:
            return
        ring.take()
        while (chunk := ring.chunk()) is not None:
            yield from self._events(chunk)
            ring.take()
        yield from self._check_lost()

    def _check_lost(self) -> Iterator[Event]:
        values = self._lost_map.per_cpu_values(_KEY0) or []
        total = sum(struct.unpack_from("<Q", v)[0] for v in values)
        if total > self.lost:
            count, self.lost = total - self.lost, total
            mono = time.monotonic_ns()
            yield LostEvent(count, mono, mono + self._wall_offset)

    def _events(self, chunk: bytes) -> Iterator[Event]:
        """The events of a chunk's records; the ring buffer is drained again every few records."""
        take, left = self.ring.take, _TAKE_EVERY  # type: ignore[union-attr]
        for raw in records(chunk):
            ev = self._event(raw)
            if ev is not None:
                yield ev
            left -= 1
            if not left:
                take()
                left = _TAKE_EVERY

    def _event(self, raw: bytes) -> Event | None:
        tid, tgid, nr, enter_ns, exit_ns, ret, state = _HEAD.unpack_from(raw)
        if state == TASK_EXIT:
            return self._task_exit(parse(raw))
        if state == SIGNAL:
            return self._signal(tid, tgid, nr, enter_ns, raw)
        name = self._names.get(nr)
        if name is None:
            name = self._names[nr] = self.arch.syscall_name(nr)
        if not self._exec_done and tid == self.target.main_pid:
            if name not in _EXECS or state & NO_EXIT or ret != 0:
                return None  # renacer's own child before its command's execve
            self._exec_done = True
        if name in _EXITS:
            self._codes[tgid if name == "exit_group" else tid] = _U64.unpack_from(raw, OFF_ARGS)[0] & 0xFF
        trace = self.cfg.trace
        if trace is not None and nr not in trace:
            return None
        if not self._memo_ok or name == "restart_syscall":
            return self._syscall(parse(raw), nr, name, None)
        # decoders are pure: the same number, arguments, result and captured bytes print the same
        key = raw[OFF_NR:OFF_ENTER] + raw[OFF_RET:OFF_STATE] + bytes((state & NO_EXIT,)) + raw[HEADER:]
        hit = self._memo.get(key)
        if hit is None:
            return self._syscall(parse(raw), nr, name, key)
        args, entry_text, exit_text, error, ret_text, joint = hit
        wall = enter_ns + self._wall_offset
        if state & NO_EXIT:
            return SyscallEvent(tid, tgid, nr, name, args, entry_text, (), None, 0, "?", enter_ns, enter_ns,
                                wall)
        return SyscallEvent(tid, tgid, nr, name, args, entry_text, exit_text, ret, error, ret_text, enter_ns,
                            exit_ns, wall, joint=joint)

    def _syscall(self, rec: Record, nr: int, name: str, key: bytes | None) -> SyscallEvent:
        """Decode one record through the ptrace backend's decoding, over the captured spans."""
        text = self._text
        fd_path = self._fd_paths.get(rec.tid)
        if fd_path is None:
            fd_path = self._fd_paths[rec.tid] = self._fd_path(rec.tid)
        decoder = text.decoder(nr, name)
        mem = PayloadReader(rec.spans)
        args = rec.args
        call = Call(name, args, mem, text.opts_for(nr), fd_path, rec.tid)
        decode = self.cfg.decode
        entry_text = text.decode(decoder, call, True) if decode else ()
        enter_ns, wall = rec.enter_ns, rec.enter_ns + self._wall_offset
        exit_text: tuple[str, ...] = ()
        ret_text = "?"
        if not rec.state & NO_EXIT:
            ret = rec.ret
            mem.exiting = call.exiting = True
            call.retval = ret
            call.error = -ret if -4095 <= ret < 0 else 0
            if decode:
                exit_text = text.decode(decoder, call, False) if decoder.exits(call) else ()
                ret_text = text.result(call, decoder)
            else:
                ret_text = ""
        if key is not None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = (args, entry_text, exit_text, call.error, ret_text, decoder.joint)
        if rec.state & NO_EXIT:
            return SyscallEvent(rec.tid, rec.tgid, nr, name, args, entry_text, (), None, 0, "?",
                                enter_ns, enter_ns, wall)
        return SyscallEvent(rec.tid, rec.tgid, nr, name, args, entry_text, exit_text, rec.ret, call.error,
                            ret_text, enter_ns, rec.exit_ns, wall, joint=decoder.joint)

    def _fd_path(self, tid: int) -> Callable[[int], str | None]:
        """What the decoders call for a descriptor's path: -y's note, else the bare /proc link."""
        if self.cfg.fd_paths:
            return lambda fd: self._text.fd_note(tid, fd)
        return lambda fd: fd_link(tid, fd)

    def _signal(self, tid: int, tgid: int, signo: int, mono: int, raw: bytes) -> SignalEvent | None:
        if tid == self.target.main_pid and not self._exec_done:
            return None  # renacer's own child, before its command's execve
        text = siginfo_text(raw[OFF_ARGS:OFF_ENTER], self.cfg.xlat_style)
        return SignalEvent(tid, tgid, signo, signal_name(signo), text, mono, mono + self._wall_offset)

    def _task_exit(self, rec: Record) -> ExitEvent | None:
        tid, tgid = rec.tid, rec.tgid
        self._fd_paths.pop(tid, None)
        if tid == self.target.main_pid and not self._exec_done:
            return None  # the command never ran: the child said why
        mono = rec.enter_ns
        wall = mono + self._wall_offset
        code = self._codes.pop(tid, None)
        if code is None:
            code = self._codes.get(tgid)
        signo = rec.args[0]
        if tid == tgid:
            self._codes.pop(tgid, None)
        leader = tid == tgid
        if code is None and signo:
            return ExitEvent(tid, tgid, None, signo, signal_name(signo), False, mono, wall, leader=leader)
        return ExitEvent(tid, tgid, code or 0, None, None, False, mono, wall, leader=leader)

    def close(self) -> None:
        """Detach the programs, release the maps and the ring buffer."""
        for attachment in self._attachments:
            attachment.close()
        for prog in self._progs:
            prog.close()
        if self.ring is not None:
            self.ring.close()
            self.ring = None
        for m in self._maps:
            m.close()
        self._attachments, self._progs, self._maps = [], [], []
