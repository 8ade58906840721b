"""``--otlp-endpoint``: the trace as OpenTelemetry spans, exported over OTLP by the official SDK.

One span per traced process (``process: <comm>``), a child span per syscall (``syscall: <name>``);
exec, signals and transpiler decisions are events of the process span, and a forked process's
span is a child of its parent's. Spans carry the events' own wall-clock times. A process's span
id is chosen when the process is first seen (the spawned command's before it is spawned, for its
TRACEPARENT), so its calls can name it as their parent; the process span itself is made when the
process has ended and its parent is known (at the latest when the run ends).
"""

from __future__ import annotations

import json
import os
import random
import re
import shlex
import sys
from dataclasses import dataclass, field
from os.path import basename
from typing import TextIO

from ..config import Config
from ..events import (
    DecisionEvent,
    Event,
    ExitEvent,
    LostEvent,
    ProcessEvent,
    SignalEvent,
    StopEvent,
    SyscallEnter,
    SyscallEvent,
    args_text,
)
from ..syscalls.xlat.errno_table import ERRNOS
from ..tracecontext import TraceIds, new_id
from .otlp_export import SdkMessages, blocking_processor, make_exporter, settings

FORKS = frozenset({"fork", "vfork", "clone", "clone3"})
EXECS = {"execve": 0, "execveat": 1}  # exec call -> the index of its path argument (argv follows)
COMM_LEN = 15  # the kernel's TASK_COMM_LEN less its NUL: a process's comm is at most this long
_C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
DECISION_EVENTS = 10_000  # span events a process span keeps (OTEL_SPAN_EVENT_COUNT_LIMIT overrides it)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "a": "\a", "b": "\b"}


@dataclass(slots=True)
class _Process:
    """What the span of one traced process will say; filled in as its events come."""

    pid: int
    span_id: int
    top: bool  # the spawned command or a -p process: its parent is the remote parent (or none)
    start_ns: int
    end_ns: int
    comm: str
    argv: tuple[str, ...] = ()
    exe: str = ""
    parent_pid: int | None = None
    confirmed: bool = False  # the parent is the one whose fork call returned this pid
    exit_code: int | None = None
    signame: str | None = None
    ended: bool = False
    emitted: bool = False
    execs: int = 0  # successful execs seen
    events: list[tuple[str, dict, int]] = field(default_factory=list)  # span events: name, attributes, ns
    context: object = None  # the Context its calls' spans are made in


def _unquote(text: str) -> str:
    """A C string literal's content as strace prints it (escapes undone; a truncated one keeps '...')."""
    def one(m: re.Match) -> str:
        code = m.group(1)
        if code[0] == "x" and len(code) == 3:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text).encode("latin-1", "replace").decode("utf-8", "replace")


def _strings(text: str) -> list[str]:
    """The string literals in one decoded argument ('"ls"' or '["ls", "-l"...]')."""
    return [_unquote(m.group(1)) + (m.group(2) or "") for m in _C_STRING.finditer(text)]


def _running(pid: int) -> tuple[str, tuple[str, ...], str]:
    """A running process's comm, argv and executable, from /proc ('' and () where unreadable)."""
    def read(name: str) -> bytes:
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                return f.read()
        except OSError:
            return b""

    comm = read("comm").decode(errors="replace").rstrip("\n")
    argv = tuple(a.decode(errors="replace") for a in read("cmdline").split(b"\0")[:-1])
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    return comm, argv, exe


class OtlpSink:
    """Turns the event stream into spans and hands them to the SDK; prints one tally line at the end."""

    def __init__(self, config: Config, ids: TraceIds, header: dict | None = None,
                 err: TextIO | None = None) -> None:
        self.config, self.ids, self.err = config, ids, err or sys.stderr
        self.chosen = settings(config)  # a bad protocol or variable fails here, before tracing
        header = header or {}
        self.command = tuple(config.command) or tuple(header.get("command") or ())
        self.live = not config.input  # a replay's processes are long gone: /proc knows nothing of them
        self.exit_status: int | None = None  # set by the run before close
        self.processes: dict[int, _Process] = {}
        self.attached: set[int] = set()  # tids attached with -p: processes of their own
        self.guessed: dict[int, tuple[int, int]] = {}  # new child pid -> (a forking tgid, first seen ns)
        self.forked: dict[int, int] = {}  # pid a fork call returned -> the tgid that made the call
        self.forking: dict[int, int] = {}  # tid inside a fork-family call -> its tgid
        self.sampled_out = self.broken_off = self.lost_events = 0
        self.random = random.Random()
        self.window_ns = self.window_count = 0
        self.warned = False
        self._sdk: tuple | None = None  # (tracer, processor, preset ids, remote parent context)

    # ---- the SDK, made at the first event: after the spawn, so no exporter thread is forked ----

    def _start(self) -> tuple:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON

        from .. import __version__

        ids = self.ids

        class PresetIds(RandomIdGenerator):
            """Random span ids, but the one chosen in advance for the process span being made."""

            span_id = 0

            def generate_span_id(self) -> int:
                chosen, self.span_id = self.span_id, 0
                return chosen or super().generate_span_id()

            def generate_trace_id(self) -> int:
                return ids.trace_id  # every top process span joins the run's one trace

        messages = SdkMessages.install()
        name = self.config.otlp_service_name
        resource = Resource.create({"service.name": name} if name else {})
        if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
            resource = resource.merge(Resource({"service.name": "renacer"}))
        preset = PresetIds()
        try:
            exporter = make_exporter(self.chosen)
        except Exception as e:  # noqa: BLE001 - e.g. a bad OTEL_EXPORTER_OTLP_* value: one warning
            exporter = _Refusing(str(e))
        processor = blocking_processor(exporter, messages)
        from opentelemetry.sdk.trace import SpanLimits

        # the SDK keeps 128 events a span by default: a program's decisions are often more
        events = None if os.environ.get("OTEL_SPAN_EVENT_COUNT_LIMIT") else DECISION_EVENTS
        provider = TracerProvider(resource=resource, sampler=ALWAYS_ON, id_generator=preset,
                                  shutdown_on_exit=False, span_limits=SpanLimits(max_events=events))
        provider.add_span_processor(processor)
        tracer = provider.get_tracer("renacer", __version__)
        parent = trace.set_span_in_context(trace.NonRecordingSpan(ids.parent)) if ids.parent else None
        return tracer, processor, preset, parent

    # ---- events -------------------------------------------------------------------------

    def handle(self, ev: Event) -> None:
        """Turn one event into a span, a span event, or what a later span needs to know."""
        if self._sdk is None:
            self._sdk = self._start()
        if not self.warned and self._sdk[1].failed.is_set():
            self._warn()
        if isinstance(ev, SyscallEvent):
            self._syscall(ev)
        elif isinstance(ev, SyscallEnter):
            if ev.name in FORKS:
                self.forking[ev.tid] = ev.tgid
        elif isinstance(ev, ProcessEvent):
            if ev.kind == "attached" and not ev.detail:
                self.attached.add(ev.tid)
            elif ev.kind == "attached" and ev.tid not in self.processes:
                forker = next(reversed(self.forking.values()), None)
                if forker is not None:
                    self.guessed[ev.tid] = (forker, ev.wall_ns)
        elif isinstance(ev, SignalEvent):
            attrs = {"signal.name": ev.signame, "signal.number": ev.signo, "signal.info": ev.siginfo_text,
                     "thread.id": ev.tid}
            self._process(ev.tgid, ev.wall_ns).events.append(("signal", attrs, ev.wall_ns))
        elif isinstance(ev, StopEvent):
            attrs = {"signal.name": ev.signame, "signal.number": ev.signo, "thread.id": ev.tid}
            self._process(ev.tgid, ev.wall_ns).events.append(("stopped", attrs, ev.wall_ns))
        elif isinstance(ev, ExitEvent):
            self.guessed.pop(ev.tid, None)  # a thread's: threads are no processes of their own
            proc = self._process(ev.tgid, ev.wall_ns)
            proc.end_ns = max(proc.end_ns, ev.wall_ns)
            if ev.leader:
                proc.ended, proc.exit_code, proc.signame = True, ev.exit_code, ev.signame
                if proc.top or proc.confirmed:
                    self._emit(proc)
        elif isinstance(ev, LostEvent):
            self.lost_events += ev.count
        elif isinstance(ev, DecisionEvent):
            self._decision(ev)

    def _process(self, tgid: int, ns: int) -> _Process:
        """The process ``tgid``, first seen now: a top process or a child of the one that forked it."""
        proc = self.processes.get(tgid)
        if proc is not None:
            return proc
        top = not self.processes or tgid in self.attached
        span_id = self.ids.root_span_id if not self.processes else new_id(64)
        parent_pid = self.forked.get(tgid)
        guessed, seen_ns = self.guessed.pop(tgid, (None, ns))
        parent = self.processes.get(parent_pid if parent_pid is not None else guessed)  # type: ignore[arg-type]
        if top:
            argv = self.command if not self.processes else ()
            comm, exe = (basename(argv[0])[:COMM_LEN], "") if argv else ("", "")
            if not argv and self.live:  # -p: what the running process is, as /proc says
                comm, argv, exe = _running(tgid)
            proc = _Process(tgid, span_id, True, min(seen_ns, ns), ns, comm or str(tgid), argv, exe)
        elif parent is not None:
            proc = _Process(tgid, span_id, False, min(seen_ns, ns), ns, parent.comm, parent.argv, parent.exe,
                            parent.pid, parent_pid is not None)
        else:
            proc = _Process(tgid, span_id, False, ns, ns, str(tgid))
        from opentelemetry import trace

        context = trace.SpanContext(self.ids.trace_id, span_id, is_remote=False,
                                    trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))
        proc.context = trace.set_span_in_context(trace.NonRecordingSpan(context))
        self.processes[tgid] = proc
        return proc

    def _syscall(self, ev: SyscallEvent) -> None:
        proc = self._process(ev.tgid, ev.enter_wall_ns)
        end_ns = ev.enter_wall_ns + max(0, ev.exit_ns - ev.enter_ns)
        proc.start_ns = min(proc.start_ns, ev.enter_wall_ns)
        proc.end_ns = max(proc.end_ns, end_ns)
        if ev.name in FORKS:
            self.forking.pop(ev.tid, None)
            if ev.retval is not None and ev.retval > 0:
                self._forked(ev.retval, ev.tgid)
        elif ev.name in EXECS and ev.retval == 0:
            self._exec(proc, ev)
        if not self._kept(ev.enter_wall_ns):
            return
        attrs: dict[str, object] = {
            "syscall.name": ev.name,
            "syscall.args": args_text(ev.entry_text, ev.exit_text, ev.joint),
            "syscall.result": ev.ret_text,
            "syscall.duration_us": (end_ns - ev.enter_wall_ns) / 1000,
            "thread.id": ev.tid,
        }
        if ev.unfinished:
            attrs["syscall.unfinished"] = ev.reason or "yes"
        src = ev.source
        if src is not None:
            if src.file:
                attrs["code.filepath"], attrs["code.lineno"] = src.file, src.line
            if src.function:
                attrs["code.function"] = src.function
            if src.mapping:  # --transpiler-map: code.* is the original source; the generated (Rust) code too
                attrs.update({"rust.filepath": src.generated_file, "rust.lineno": src.generated_line,
                              "rust.function": src.generated_function, "transpiler.mapping": src.mapping})
        errno = ERRNOS[ev.error][0] if ev.error in ERRNOS else (f"errno {ev.error}" if ev.error else "")
        if errno:
            attrs["error.type"] = errno
        tracer = self._sdk[0]  # type: ignore[index]
        span = tracer.start_span(f"syscall: {ev.name}", context=proc.context, attributes=attrs,
                                 start_time=ev.enter_wall_ns)
        if errno:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, errno))
        span.end(end_time=end_ns)

    def _decision(self, ev: DecisionEvent) -> None:
        """A transpiler decision: an event of its process's span, at the decision's own time."""
        proc = self.processes.get(ev.tgid)
        if proc is None:  # a decision of no process seen (a binary form without one): the command's
            proc = next(iter(self.processes.values()), None) or self._process(ev.tgid, ev.wall_ns)
        if proc.emitted:
            return  # its span is out: only a hand-made stream has a decision after its process's exit
        proc.start_ns, proc.end_ns = min(proc.start_ns, ev.wall_ns), max(proc.end_ns, ev.wall_ns)
        attrs: dict[str, object] = {
            "decision.category": ev.category, "decision.name": ev.name,
            "decision.id": f"{ev.decision_id:016x}", "decision.origin": ev.origin, "thread.id": ev.tid,
            "decision.input": json.dumps(ev.input, ensure_ascii=False),
        }
        if ev.has_result:
            attrs["decision.result"] = json.dumps(ev.result, ensure_ascii=False)
        if ev.file:
            attrs.update({"code.filepath": ev.file, "code.lineno": ev.line, "code.column": ev.column})
        proc.events.append(("transpiler.decision", attrs, ev.wall_ns))

    def _kept(self, ns: int) -> bool:
        """--otlp-sample, then the breaker: at most --otlp-max-spans-per-sec calls a second of the trace."""
        rate = self.config.otlp_sample
        if rate < 1 and self.random.random() >= rate:
            self.sampled_out += 1
            return False
        limit = self.config.otlp_max_spans_per_sec
        if limit:
            if ns - self.window_ns >= 1_000_000_000 or ns < self.window_ns:
                self.window_ns, self.window_count = ns, 0
            if self.window_count >= limit:
                self.broken_off += 1
                return False
            self.window_count += 1
        return True

    def _forked(self, child: int, tgid: int) -> None:
        """A fork call in ``tgid`` returned ``child``: that names the child's parent for sure."""
        self.forked[child] = tgid
        proc = self.processes.get(child)
        if proc is None or proc.top or proc.confirmed:
            return
        proc.parent_pid, proc.confirmed = tgid, True
        if proc.ended:
            self._emit(proc)

    def _exec(self, proc: _Process, ev: SyscallEvent) -> None:
        """A successful exec: the process now runs another program, under its name."""
        at = EXECS[ev.name]
        path = _strings(ev.entry_text[at]) if len(ev.entry_text) > at else []
        argv = _strings(ev.entry_text[at + 1]) if len(ev.entry_text) > at + 1 else []
        if path:
            proc.exe = path[0]
            proc.comm = basename(path[0].removesuffix("..."))[:COMM_LEN]
        if argv and not (proc.top and proc.argv and not proc.execs):
            proc.argv = tuple(argv)  # the spawned command's own argv is exact: -s may cut the decoded one
        proc.execs += 1
        attrs = {"process.executable.path": proc.exe, "process.command_line": shlex.join(proc.argv),
                 "thread.id": ev.tid}
        proc.events.append(("exec", attrs, ev.enter_wall_ns))

    # ---- process spans ------------------------------------------------------------------

    def _emit(self, proc: _Process) -> None:
        """Make the process span, with the id its calls already name, under its parent's span."""
        tracer, _processor, preset, remote = self._sdk  # type: ignore[misc]
        if proc.top:
            context = remote
        else:
            parent = self.processes.get(proc.parent_pid) if proc.parent_pid is not None else None
            context = (parent or next(iter(self.processes.values()))).context
        attrs: dict[str, object] = {"process.pid": proc.pid, "process.executable.name": proc.comm}
        if proc.parent_pid is not None:
            attrs["process.parent_pid"] = proc.parent_pid
        if proc.argv:
            attrs["process.command_line"] = shlex.join(proc.argv)
            attrs["process.command_args"] = list(proc.argv)
        if proc.exe:
            attrs["process.executable.path"] = proc.exe
        code = proc.exit_code
        if code is None and proc.signame is None and proc.span_id == self.ids.root_span_id:
            code = self.exit_status  # a replay's footer, when the recording has no exit record
        if code is not None:
            attrs["process.exit.code"] = code
        if proc.signame:
            attrs["process.exit.signal"] = proc.signame
        if proc.span_id == self.ids.root_span_id and self.lost_events:
            attrs["renacer.lost_events"] = self.lost_events
        preset.span_id = proc.span_id
        span = tracer.start_span(f"process: {proc.comm}", context=context, attributes=attrs,
                                 start_time=proc.start_ns)
        for name, event_attrs, ns in sorted(proc.events, key=lambda e: e[2]):  # one timeline
            span.add_event(name, event_attrs, ns)
        if proc.signame:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, f"killed by {proc.signame}"))
        span.end(end_time=max(proc.end_ns, proc.start_ns))
        proc.emitted = True

    def _warn(self) -> None:
        self.warned = True
        failure = self._sdk[1].failure  # type: ignore[index]
        self.err.write(f"renacer: warning: otlp: cannot export to {self.chosen.url} ({failure}); "
                       f"the trace goes on without export\n")
        self.err.flush()

    def close(self) -> None:
        """Make the spans of processes still open, flush every span, and print the tally line."""
        if self._sdk is None:
            return  # no event: the command could not even be started (its error says why)
        for proc in list(self.processes.values()):
            if not proc.emitted:
                self._emit(proc)
        processor = self._sdk[1]
        processor.shutdown()
        if processor.failed.is_set() and not self.warned:
            self._warn()
        line = (f"renacer: otlp: {processor.exported} spans exported, {self.sampled_out} dropped by "
                f"sampling, {self.broken_off} dropped by the breaker")
        if processor.ended > processor.exported:
            line += f", {processor.ended - processor.exported} not delivered"
        self.err.write(line + "\n")
        self.err.flush()


class _Refusing:
    """Stands for an exporter the SDK could not build: every export fails, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def export(self, spans: object) -> object:
        raise RuntimeError(self.reason)

    def shutdown(self) -> None:
        pass
