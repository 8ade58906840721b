"""The strace text format: one line per syscall, split by <unfinished ...> when tasks interleave."""

from __future__ import annotations

import time
from typing import TextIO

from ..config import Config
from ..events import (
    Event,
    ExitEvent,
    LostEvent,
    ProcessEvent,
    SignalEvent,
    StopEvent,
    SyscallEnter,
    SyscallEvent,
    args_text,
    entry_part,
    exit_part,
)
from ..selection import shown
from ..syscalls.dump import dump_lines
from .stack import source_text, stack_lines


class _Stream:
    """One output file and the line left open on it, if any."""

    __slots__ = ("out", "open_tid", "col", "owned")

    def __init__(self, out: TextIO, owned: bool) -> None:
        self.out = out
        self.open_tid: int | None = None  # the task whose line is waiting for its syscall's end
        self.col = 0
        self.owned = owned

    def write(self, text: str) -> None:
        self.out.write(text)


class TextSink:
    """Renders events exactly as strace prints them."""

    def __init__(self, config: Config, out: TextIO, diag: TextIO, *, owned: bool = False) -> None:
        self.cfg = config
        self.diag = diag  # where 'Process N attached' notices go (strace's stderr)
        self.main = _Stream(out, owned)
        self.per_process = config.output_per_process and config.output is not None
        self.streams: dict[int, _Stream] = {}
        self.live: set[int] = set()
        self.entered: dict[int, str] = {}  # tid -> name of the syscall whose entry was printed
        self.last_ts_ns: int | None = None  # for -r
        self.pid_prefix = 1 if config.output and not self.per_process else 0
        self.interactive = out is diag  # flush often so a blocked call is visible
        self.align = config.align_column

    # ---- dispatch --------------------------------------------------------------------

    def handle(self, ev: Event) -> None:
        """Render one event (those -e status=/signal= leave out only count as signs of life)."""
        if not shown(ev, self.cfg):
            self.live.add(ev.tid)
            if isinstance(ev, SyscallEvent):
                self.entered.pop(ev.tid, None)
            return
        if isinstance(ev, SyscallEnter):
            self._enter(ev)
        elif isinstance(ev, SyscallEvent):
            self._syscall(ev)
        elif isinstance(ev, SignalEvent):
            info = f" {ev.siginfo_text}" if ev.siginfo_text else ""
            self._note(ev.tid, ev.ts_ns, ev.wall_ns, f"--- {ev.signame}{info} ---", ev.ip)
        elif isinstance(ev, StopEvent):
            self._note(ev.tid, ev.ts_ns, ev.wall_ns, f"--- stopped by {ev.signame} ---")
        elif isinstance(ev, ExitEvent):
            self._exit(ev)
        elif isinstance(ev, ProcessEvent):
            self._process(ev)
        elif isinstance(ev, LostEvent):
            self._lost(ev)
        if self.interactive:
            self.main.out.flush()

    def close(self) -> None:
        """Finish any open line and close the files this sink opened."""
        for s in {id(s): s for s in [self.main, *self.streams.values()]}.values():
            if s.open_tid is not None:
                s.write("\n")
                s.open_tid = None
            if s.owned:
                s.out.close()
            else:
                s.out.flush()

    def break_line(self) -> None:
        """End a line left open for a call still running (``<unfinished ...>``), as another line would."""
        self._break(self.main)
        self.main.out.flush()

    # ---- pieces ----------------------------------------------------------------------

    def _stream(self, tid: int) -> _Stream:
        if not self.per_process:
            return self.main
        s = self.streams.get(tid)
        if s is None:
            path = f"{self.cfg.output}.{tid}"
            s = _Stream(open(path, "w", buffering=1, encoding="utf-8", errors="surrogateescape"), True)
            self.streams[tid] = s
        return s

    def _leader(self, tid: int, ts_ns: int, wall_ns: int) -> str:
        """The '[pid N] ' prefix and the timestamp strace puts before each line."""
        self.live.add(tid)
        if self.per_process:
            prefix = ""
        elif self.pid_prefix and (self.cfg.follow_forks or len(self.live) > 1):
            prefix = f"{tid:<5d} "
        elif len(self.live) > 1:
            prefix = f"[pid {tid:5d}] "
        else:
            prefix = ""
        return prefix + self._stamp(ts_ns, wall_ns)

    def _stamp(self, ts_ns: int, wall_ns: int) -> str:
        """The -t/-tt/-ttt/-r timestamp strace puts before each line ('' without them)."""
        cfg = self.cfg
        if cfg.relative_timestamps:
            last = self.last_ts_ns if self.last_ts_ns is not None else ts_ns
            self.last_ts_ns = ts_ns
            d = ts_ns - last
            return f"{d // 1_000_000_000:6d}.{(d // 1000) % 1_000_000:06d} "
        if cfg.timestamps:
            sec, ns = divmod(wall_ns, 1_000_000_000)
            if cfg.timestamps >= 3:
                return f"{sec}.{ns // 1000:06d} "
            clock = time.strftime("%H:%M:%S", time.localtime(sec))
            if cfg.timestamps == 2:
                return f"{clock}.{ns // 1000:06d} "
            return f"{clock} "
        return ""

    def _break(self, s: _Stream) -> None:
        """End another task's open line: ' <unfinished ...>'."""
        if s.open_tid is not None:
            s.write(" <unfinished ...>\n")
            s.open_tid = None
            s.col = 0

    def _start_line(self, tid: int, ts_ns: int, wall_ns: int, ip: int | None = None) -> tuple[_Stream, str]:
        s = self._stream(tid)
        self._break(s)
        lead = self._leader(tid, ts_ns, wall_ns)
        if self.cfg.instruction_pointer and ip is not None:
            # -i: where the task was; strace marks lines with no instruction (exits) with '?'
            lead += f"[{ip:016x}] " if ip else "[????????????????] "
        return s, lead

    def _result(self, s: _Stream, col: int, ev: SyscallEvent) -> None:
        """' = 3' aligned to strace's column 40, then -T's '<0.000123>'."""
        pad = " " * (self.align - col) + "= " if col < self.align else " = "
        tail = ""
        if self.cfg.syscall_times and ev.retval is not None:
            d = ev.exit_ns - ev.enter_ns
            tail = f" <{d // 1_000_000_000}.{(d // 1000) % 1_000_000:06d}>"
        if self.cfg.source and ev.source is not None:
            tail += f"   [{source_text(ev.source)}]"
        s.write(f"{pad}{ev.ret_text}{tail}\n")
        s.open_tid = None
        s.col = 0
        if ev.io:
            s.write("".join(line + "\n" for line in dump_lines(ev.io)))
        if self.cfg.stack_trace and (ev.frames or ev.stack):
            s.write("".join(line + "\n" for line in stack_lines(ev)))

    def _enter(self, ev: SyscallEnter) -> None:
        s, lead = self._start_line(ev.tid, ev.ts_ns, ev.wall_ns, ev.ip)
        text = f"{lead}{ev.name}({entry_part(ev.entry_text, ev.has_exit_args, ev.joint)}"
        s.write(text)
        s.open_tid = ev.tid
        s.col = len(text)
        self.entered[ev.tid] = ev.name

    def _syscall(self, ev: SyscallEvent) -> None:
        tid = ev.tid
        s = self._stream(tid)
        rest = exit_part(ev.exit_text, bool(ev.entry_text), ev.joint)
        was_entered = self.entered.pop(tid, None) is not None
        if ev.unfinished and ev.reason == "detached":
            if s.open_tid == tid:
                s.write(" <detached ...>\n")
                s.open_tid = None
            return
        marker = " <unfinished ...>" if ev.unfinished and ev.reason == "exit" else ""
        if was_entered and s.open_tid == tid:
            text = f"{marker}{rest})"
            col = s.col + len(text)
        else:
            exit_wall = ev.enter_wall_ns + (ev.exit_ns - ev.enter_ns)
            s, lead = self._start_line(tid, ev.exit_ns, exit_wall, ev.ip)
            if was_entered:
                text = f"{lead}<... {ev.name} resumed>{marker}{rest})"
            else:
                text = f"{lead}{ev.name}({args_text(ev.entry_text, ev.exit_text, ev.joint)})"
            col = len(text)
        s.write(text)
        self._result(s, col, ev)

    def _note(self, tid: int, ts_ns: int, wall_ns: int, body: str, ip: int | None = None) -> None:
        s, lead = self._start_line(tid, ts_ns, wall_ns, ip)
        s.write(f"{lead}{body}\n")

    def _exit(self, ev: ExitEvent) -> None:
        if not self.cfg.quieted("exit"):
            if ev.signo is not None:
                core = " (core dumped)" if ev.core_dumped else ""
                self._note(ev.tid, ev.ts_ns, ev.wall_ns, f"+++ killed by {ev.signame}{core} +++", 0)
            else:
                self._note(ev.tid, ev.ts_ns, ev.wall_ns, f"+++ exited with {ev.exit_code} +++", 0)
        self.live.discard(ev.tid)
        self.entered.pop(ev.tid, None)
        if self.per_process:
            s = self.streams.pop(ev.tid, None)
            if s is not None:
                s.out.close()

    def _lost(self, ev: LostEvent) -> None:
        """``LOST n events``: records the eBPF backend's kernel side had to drop (no task: no pid prefix)."""
        s = self.main
        self._break(s)
        s.write(f"{self._stamp(ev.ts_ns, ev.wall_ns)}LOST {ev.count} events\n")

    def _process(self, ev: ProcessEvent) -> None:
        if ev.kind == "superseded":
            former = int(ev.detail)
            self.live.discard(former)
            name = self.entered.pop(former, None)
            if name is not None:
                self.entered[ev.tid] = name
            s = self._stream(ev.tid)
            if s.open_tid == former:
                s.open_tid = ev.tid
            if not self.cfg.quieted("superseded"):
                self._note(ev.tid, ev.ts_ns, ev.wall_ns, f"+++ superseded by execve in pid {former} +++")
            return
        if ev.kind == "waiting":
            if not self.cfg.quieted("waiting"):
                n = int(ev.detail)
                what = "the process" if n == 1 else f"the {n} processes"
                self.diag.write(f"renacer: the command has exited; waiting for {what} it left running,"
                                " which inherited the seccomp filter (-f shows them, --no-seccomp-bpf"
                                " does not wait)\n")
                self.diag.flush()
            return
        if ev.kind == "attached":
            self.live.add(ev.tid)
        elif ev.kind == "detached":
            self.live.discard(ev.tid)
        # strace notes a followed child only where the trace itself goes (stderr), -p always.
        child_elsewhere = ev.detail == "child" and self.main.out is not self.diag
        if not self.cfg.quieted("attach") and not child_elsewhere:
            self.diag.write(f"renacer: Process {ev.tid} {ev.kind}\n")
            self.diag.flush()
