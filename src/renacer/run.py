"""One run: Config -> backend -> sinks. The CLI and the Python API both come through here."""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, TextIO

from .arch import Arch
from .backends.ptrace import PtraceTracer
from .config import Config
from .enrich import Enricher
from .errors import RenacerError
from .events import Event, SyscallEnter, SyscallEvent, SyscallTotals
from .selection import select, shown
from .sinks.text import TextSink

if TYPE_CHECKING:
    from .recording import Recording

_DETACH_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE)


class Tracer(Protocol):
    """What a run needs of a backend (backends.ptrace.PtraceTracer, backends.ebpf.tracer.EbpfTracer)."""

    arch: Arch
    main_pid: int | None
    main_status: int | None
    stop_signal: int

    def events(self) -> Iterator[Event]: ...

    def request_stop(self, signo: int) -> None: ...

    def stack_notices(self) -> list[str]: ...


def make_tracer(config: Config, stack_stop: Callable | None = None) -> Tracer:
    """The backend --backend asks for; the eBPF one is imported only when it is the one."""
    if _use_ebpf(config):
        from .backends.ebpf.tracer import EbpfTracer

        return EbpfTracer(config)
    return PtraceTracer(config, stack_stop=stack_stop)


def _use_ebpf(config: Config) -> bool:
    """ebpf: it or a clear error; auto: it for a plain -c when permitted, else ptrace (one notice)."""
    if config.backend not in ("ebpf", "auto"):
        return False
    from .backends.ebpf.tracer import summary_mode, unsupported

    if config.backend == "auto" and (not summary_mode(config) or config.otlp_endpoint
                                     or unsupported(config) is not None):
        return False  # auto means ptrace for anything but a summary the kernel can add up
    if config.otlp_endpoint and summary_mode(config):
        raise RenacerError("--backend ebpf -c adds the calls up in the kernel: --otlp-endpoint needs "
                           "each call (drop -c, or use --backend ptrace)")
    if config.backend == "ebpf" and (option := unsupported(config)) is not None:
        raise RenacerError(f"--backend ebpf: {option} needs the ptrace backend (a stopped tracee)")
    from .backends.ebpf.bpf import permitted

    why = permitted()
    if why is None:
        return True
    if config.backend == "ebpf":
        raise RenacerError(f"--backend ebpf: {why}")
    print(f"renacer: eBPF is not available ({why}): tracing with ptrace", file=sys.stderr)
    return False


def events(config: Config, tracer: Tracer | None = None) -> Iterator[Event]:
    """Every event of one traced run, in order (spawn/attach happens before the first one)."""
    stage = _decision_stage(config, None)  # a library prints nothing: its events say it all
    if not config.stacks:
        tracer = tracer or make_tracer(stage.tracer_config() if stage else config)
        yield from select(_decisions(stage, tracer), config)
        return
    enricher = Enricher(config, None)  # a library prints nothing: the events carry how each was located
    tracer = tracer or make_tracer(stage.tracer_config() if stage else config, stack_stop=enricher.stack_stop)
    stream = select(_decisions(stage, tracer), config)
    try:
        for ev in stream:
            yield enricher.apply(ev)
    finally:
        stream.close()
        enricher.close()


def _decision_stage(config: Config, diag: TextIO | None):  # noqa: ANN202 - decisions.DecisionStage
    """--trace-transpiler-decisions: the stage that reads the program's decisions (None without it)."""
    if not config.trace_decisions:
        return None
    from .decisions import DecisionStage

    return DecisionStage(config, diag)


def _decisions(stage, tracer: Tracer) -> Iterator[Event]:  # noqa: ANN001 - decisions.DecisionStage
    """The backend's events, with the program's decisions among them when a stage reads them."""
    return tracer.events() if stage is None else stage.events(tracer.events(), tracer)


def _open_output(config: Config) -> tuple[TextIO, bool]:
    if config.output is None:
        return sys.stderr, False
    if config.output_per_process:
        folder = os.path.dirname(os.path.abspath(config.output))
        if not os.access(folder, os.W_OK):
            raise RenacerError(f"Can't fopen '{config.output}.<pid>': Permission denied or no such directory")
        return sys.stderr, False
    try:
        # Line-buffered, as strace's file is: a stopped or hung tracee's trace is already there.
        return open(config.output, "w", buffering=1, encoding="utf-8", errors="surrogateescape"), True
    except OSError as e:
        raise RenacerError(f"Can't fopen '{config.output}': {e.strerror}") from None


def run(config: Config) -> int:
    """Trace (or replay, with --input) as the CLI does; returns the status renacer should end with."""
    if config.merge:
        from .merge import merge

        return merge(config)
    if config.input:
        return _replay(config)
    config, ids = _trace_context(config)
    enricher = Enricher(config, sys.stderr) if config.stacks else None  # a bad map: before -o is created
    out, owned = _open_output(config)
    stage = _decision_stage(config, sys.stderr)
    tracer = make_tracer(stage.tracer_config() if stage else config,
                         stack_stop=enricher.stack_stop if enricher else None)
    if enricher is not None:
        enricher.notices.append(tracer.stack_notices)
    sink = _sinks(config, out, owned, tracer.arch.name, enricher, ids=ids)
    previous = {sig: signal.signal(sig, lambda signo, _frame: tracer.request_stop(signo))
                for sig in _DETACH_SIGNALS}
    stream = _decisions(stage, tracer)
    periodic = _Periodic(sink, config.summary_interval) if config.summary_interval else None
    try:
        if periodic:
            periodic.start()
            for ev in stream:
                periodic.handle(ev)
        else:
            for ev in stream:
                sink.handle(ev)
    finally:
        if periodic:
            periodic.stop()
        stream.close()  # on an error (a closed pipe...): no tracee is left stopped
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sink.set_exit_status(_raw_status(tracer))
        try:
            sink.close()
        except BrokenPipeError:
            pass
    return _exit_status(tracer)


def _trace_context(config: Config) -> tuple[Config, object | None]:
    """--otlp-endpoint, --trace-parent, a recording: the run's ids, chosen before the spawn; its TRACEPARENT.

    A recording with no trace to join gets fresh ids and leaves the command's environment as it is.
    """
    from .tracecontext import incoming, plan, propagated_env, records

    if not config.otlp_endpoint and config.trace_parent is None and not records(config):
        return config, None
    ids = plan(config)  # an invalid --trace-parent or TRACEPARENT: one error line, nothing traced
    if config.propagate and config.command and (config.otlp_endpoint or incoming(config)):
        config = replace(config, env=propagated_env(config, ids))
    return config, ids


_NUMBERED = (SyscallEnter, SyscallEvent, SyscallTotals)  # the events one syscall number names


def _replay(config: Config) -> int:
    """--input FILE: a recording's events through the same sinks as a live run."""
    from .recording import Recording

    recording = Recording(config.input or "")
    enricher = Enricher(config, sys.stderr) if config.stacks else None
    out, owned = _open_output(config)
    ids = _recorded_ids(recording) if config.otlp_endpoint else None
    sink = _sinks(config, out, owned, str(recording.header.get("arch", "")), enricher, recording.header, ids)
    every_ns = int(config.summary_interval * 1e9)
    first_ns = due_ns = None
    try:
        for ev in recording.events():
            if config.trace is not None and isinstance(ev, _NUMBERED) and ev.nr not in config.trace:
                continue  # -e trace= on a recording: the calls a live run with it would have shown
            if every_ns:  # --summary-interval on a recording: tables by the recorded clock
                now = _event_ns(ev)
                if first_ns is None:
                    first_ns, due_ns = now, now + every_ns
                while now >= due_ns:
                    sink.interim((due_ns - first_ns) / 1e9)
                    due_ns += every_ns
            sink.handle(ev)
        if first_ns is not None:
            sink.finish_interim((_event_ns(ev) - first_ns) / 1e9)
    finally:  # a corrupt line ends the replay, after everything before it was rendered
        status = recording.footer.get("exit_status") if recording.footer else None
        sink.set_exit_status(status)
        sink.close()
    return status if isinstance(status, int) and 0 <= status < 256 else 0


def _recorded_ids(recording: Recording) -> object | None:
    """A recording's trace context as the ids its export uses (None: it has none, choose new ones)."""
    trace = recording.trace
    if trace is None:
        return None
    from .tracecontext import TraceIds, remote_parent

    joined = trace.parent_span_id
    parent = remote_parent(trace.trace_id, joined, trace.tracestate) if joined else None
    return TraceIds(trace.trace_id, trace.span_id, parent)


class _Sinks:
    """Several sinks fed the same events; closed in order (the -C table after the trace).

    With a source option, each event is enriched (its stack symbolized) once, before any sink.
    """

    def __init__(self, sinks: list, enricher: Enricher | None = None) -> None:
        self.sinks, self.enricher = sinks, enricher

    def handle(self, ev: Event) -> None:
        if self.enricher is not None:
            ev = self.enricher.apply(ev)
        for sink in self.sinks:
            sink.handle(ev)

    def close(self) -> None:
        try:
            for sink in self.sinks:
                sink.close()
        finally:
            if self.enricher is not None:
                self.enricher.close()

    def interim(self, elapsed: float) -> None:
        """--summary-interval: the summary so far, after ending any half-written trace line."""
        for sink in self.sinks:
            if isinstance(sink, TextSink):
                sink.break_line()
            elif hasattr(sink, "interim"):
                sink.interim(elapsed)

    def finish_interim(self, elapsed: float) -> None:
        """Head the final summary as the last of the periodic ones."""
        for sink in self.sinks:
            if hasattr(sink, "interim"):
                sink.final_after = elapsed

    def set_exit_status(self, status: int | None) -> None:
        for sink in self.sinks:
            if hasattr(sink, "exit_status"):
                sink.exit_status = status


def _sinks(config: Config, out: TextIO, owned: bool, arch: str, enricher: Enricher | None = None,
           header: dict | None = None, ids: object | None = None) -> _Sinks:
    """The sinks one run feeds, in the order they write at the end; the last closes ``out``.

    ``header``: the recording's header record when replaying (--input), for sinks that show its command.
    ``ids``: the trace ids chosen before the spawn (--otlp-endpoint); a replay chooses its own.
    """
    sinks: list = []
    report = out  # where the human-readable reports go: with the trace or the table
    if config.summary:
        from .sinks.summary import DEFAULT_COLUMNS, SummarySink

        if config.summary == "also":  # -C: the trace, then the table
            sinks.append(TextSink(config, out, sys.stderr, owned=False))
        sinks.append(SummarySink(out, config.summary_sort, config.summary_columns or DEFAULT_COLUMNS,
                                 config.stats_extended))
        if config.anomaly_list:
            from .sinks.anomaly import AnomalySink

            sinks.append(AnomalySink(out, config.anomaly_threshold))
    elif config.format == "json":
        from .sinks.record import JsonLinesSink

        sinks.append(_Shown(config, JsonLinesSink(config, out, arch, ids=ids, header=header)))
        report = sys.stderr  # never inside a recording
    elif config.format == "csv":
        from .sinks.record import CsvSink

        sinks.append(_Shown(config, CsvSink(out)))
        report = sys.stderr
    elif config.format == "html":
        from .sinks.html import HtmlSink

        sinks.append(_Shown(config, HtmlSink(config, out, arch, header)))
        report = sys.stderr
    else:
        sinks.append(TextSink(config, out, sys.stderr))
    if config.anomaly_realtime:
        from .sinks.anomaly import AnomalyAlertSink

        sinks.append(AnomalyAlertSink(sys.stderr, report, config.anomaly_threshold, config.anomaly_window))
    if config.function_time:
        from .sinks.profile import ProfileSink

        sinks.append(ProfileSink(report))
    if config.flamegraph:
        from .sinks.flame import FlameSink

        sinks.append(FlameSink(config.flamegraph))  # an unusable path fails here, before tracing
    if config.otlp_endpoint:
        from .sinks.otlp import OtlpSink
        from .tracecontext import plan

        sinks.append(_Shown(config, OtlpSink(config, ids or plan(config), header)))  # type: ignore[arg-type]
    sinks.append(_Closer(out if owned else None))
    return _Sinks(sinks, enricher)


def _event_ns(ev: Event) -> int:
    """When an event happened (a syscall: when it ended), on the monotonic clock."""
    return ev.exit_ns if isinstance(ev, SyscallEvent) else getattr(ev, "ts_ns", 0)


class _Periodic:
    """--summary-interval: the summary table every N seconds of a live run.

    An interval timer's SIGALRM interrupts renacer's wait for the tracee, so tables come on
    time while the program sits idle; one that falls due while a sink is writing waits until
    that event is written, so it never lands inside a line.
    """

    def __init__(self, sinks: _Sinks, every: float) -> None:
        self.sinks, self.every = sinks, every
        self.busy = self.pending = False
        self.started = time.monotonic()
        self.previous: object = None

    def start(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._due)
        signal.setitimer(signal.ITIMER_REAL, self.every, self.every)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)  # type: ignore[arg-type]
        self.sinks.finish_interim(time.monotonic() - self.started)

    def handle(self, ev: Event) -> None:
        self.busy = True
        try:
            self.sinks.handle(ev)
        finally:
            self.busy = False
        if self.pending:
            self.pending = False
            self._table()

    def _due(self, signo: int, frame: object) -> None:
        if self.busy:
            self.pending = True
        else:
            self._table()

    def _table(self) -> None:
        self.sinks.interim(time.monotonic() - self.started)


class _Shown:
    """A record sink behind the -e status=/signal= display filter (the text sink has its own)."""

    def __init__(self, config: Config, sink) -> None:  # noqa: ANN001 - any record sink
        self.config, self.sink = config, sink

    @property
    def exit_status(self) -> int | None:
        return self.sink.exit_status

    @exit_status.setter
    def exit_status(self, status: int | None) -> None:
        self.sink.exit_status = status

    def handle(self, ev: Event) -> None:
        if shown(ev, self.config):
            self.sink.handle(ev)

    def close(self) -> None:
        self.sink.close()


class _Closer:
    """Closes the -o file once every sink has written to it."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out

    def handle(self, ev: Event) -> None:
        pass

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


def _raw_status(tracer: Tracer) -> int | None:
    """The traced command's exit status for a recording's footer (128+N if killed by signal N)."""
    status = tracer.main_status
    if status is None:
        return None
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


def _exit_status(tracer: Tracer) -> int:
    """The traced command's status, as strace passes it on; 0 for -p."""
    status = tracer.main_status
    if status is None:
        if tracer.stop_signal:  # detached on SIGINT/SIGTERM/...: end by that signal, as strace does
            die_like(tracer.stop_signal)
            return 128 + tracer.stop_signal
        return 0
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        die_like(sig)
        return 128 + sig
    return 0


def die_like(sig: int) -> None:  # pragma: no cover - ends the process; tests check the status
    """End renacer by the signal that killed the command, without dumping core (as strace does)."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    if sig not in (signal.SIGKILL, signal.SIGSTOP):  # those cannot be caught or blocked anyway
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
    os.kill(os.getpid(), sig)
