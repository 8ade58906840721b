"""Config: everything one run needs, parsed once by the CLI or built by the Python API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Config:
    """What to trace and how to show it."""

    command: tuple[str, ...] = ()  # program and arguments to spawn (empty with -p)
    pids: tuple[int, ...] = ()  # processes to attach to (-p)
    follow_forks: bool = False  # -f
    output: str | None = None  # -o FILE
    output_per_process: bool = False  # -ff
    string_limit: int = 32  # -s N
    quiet: int = 0  # -q (1), -qq (2), -qqq (3)
    quiet_set: frozenset[str] = frozenset()  # -e quiet=: 'attach', 'exit', 'superseded', ...
    timestamps: int = 0  # -t (1), -tt (2), -ttt (3)
    relative_timestamps: bool = False  # -r
    syscall_times: bool = False  # -T
    fd_paths: int = 0  # -y (1), -yy (2)
    trace: frozenset[int] | None = None  # -e trace=: syscall numbers to show; None is all
    abbrev: frozenset[int] | None = None  # -e abbrev=: calls whose structs are abbreviated; None is all
    verbose: frozenset[int] | None = None  # -e verbose=: calls whose structs are decoded; None is all
    raw: frozenset[int] = frozenset()  # -e raw=: calls printed undecoded, in hex
    dump_reads: frozenset[int] | None = frozenset()  # -e read=: descriptors to hex-dump; None is all
    dump_writes: frozenset[int] | None = frozenset()  # -e write=
    xlat_style: str = "abbrev"  # -X: 'abbrev' (names), 'raw' (numbers), 'verbose' (both)
    hex_strings: int = 0  # -x (1: non-ASCII strings in hex), -xx (2: all strings)
    instruction_pointer: bool = False  # -i
    statuses: frozenset[str] | None = None  # -e status= (-z, -Z): syscall outcomes shown; None is all
    signals: frozenset[int] | None = None  # -e signal=: signals whose delivery is shown; None is all
    paths: tuple[str, ...] = ()  # -P: only syscalls touching these paths (empty: no such filter)
    format: str = "text"  # --format: 'text' (strace's), 'json' (JSON Lines recording), 'csv'
    input: str | None = None  # --input FILE: replay a JSON Lines recording instead of tracing
    summary: str = ""  # '' no table; 'only' (-c): the table instead of the trace; 'also' (-C): after it
    summary_sort: str = "time"  # -S
    summary_columns: tuple[str, ...] = ()  # -U (empty: strace's default columns)
    stats_extended: bool = False  # --stats-extended: latency distributions after the -c table
    summary_interval: float = 0.0  # --summary-interval: seconds between tables while tracing (0: none)
    anomaly_threshold: float = 3.0  # --anomaly-threshold: standard deviations that make a call an anomaly
    anomaly_list: bool = False  # --anomaly-threshold given: list the anomalies after the table
    anomaly_realtime: bool = False  # --anomaly-realtime: alert as each anomaly happens
    anomaly_window: int = 100  # --anomaly-window-size: recent calls per syscall the alerts compare with
    stack_trace: bool = False  # -k: the symbolized stack after each call
    source: str = ""  # --source: 'user' (the innermost frame in the user's code), 'all' (--source-all)
    function_time: bool = False  # --function-time: syscall time per user function, hot paths, call graph
    flamegraph: str | None = None  # --flamegraph FILE: stacks weighted by syscall time (.folded/.svg/...)
    stack_mode: str = "python"  # --stack: a Python program's 'python' frames, its 'native' ones, or 'mixed'
    backend: str = "ptrace"  # --backend: 'ptrace', 'ebpf' (kernel-side, the tracee never stops), 'auto'
    seccomp_bpf: bool | None = None  # --seccomp-bpf / --no-seccomp-bpf; None: whenever it is correct
    colocate: bool = True  # ptrace: run renacer on one CPU, where its tracees' stops wake it cheaply
    otlp_endpoint: str | None = None  # --otlp-endpoint URL: export spans over OTLP (None: no export)
    otlp_protocol: str = ""  # --otlp-protocol: 'grpc', 'http/protobuf'; '' chooses by the URL
    otlp_service_name: str | None = None  # --otlp-service-name (None: OTEL_SERVICE_NAME, else 'renacer')
    otlp_headers: tuple[tuple[str, str], ...] = ()  # --otlp-header KEY=VALUE, over OTEL_EXPORTER_OTLP_HEADERS
    otlp_sample: float = 1.0  # --otlp-sample: the share of syscall spans kept (at random)
    otlp_max_spans_per_sec: int = 10000  # --otlp-max-spans-per-sec: the breaker (0: none)
    trace_parent: str | None = None  # --trace-parent: the W3C traceparent to join (None: $TRACEPARENT)
    propagate: bool = True  # TRACEPARENT in the spawned command's environment (--no-propagate: not)
    transpiler_maps: tuple[str, ...] = ()  # --transpiler-map FILE: generated (Rust) lines -> original source
    trace_decisions: bool = False  # --trace-transpiler-decisions: the program's decision traces, both forms
    decisions_dir: str | None = None  # --decisions-dir: the binary form's folder (None: <cwd>/.ruchy)
    merge: tuple[str, ...] = ()  # --merge: recordings to merge into one (by W3C trace id), instead of tracing

    @property
    def stacks(self) -> bool:
        """Whether each syscall's stack is captured (some option shows or uses it)."""
        return bool(self.stack_trace or self.source or self.function_time or self.flamegraph
                    or self.transpiler_maps)

    def quieted(self, kind: str) -> bool:
        """Whether notices of ``kind`` ('attach', 'exit', 'superseded'...) are suppressed."""
        level = {"attach": 1, "personality": 1, "exit": 2}.get(kind, 3)
        aliases = {"superseded": {"superseded", "thread-execve"}}.get(kind, {kind})
        return self.quiet >= level or not aliases.isdisjoint(self.quiet_set)
    env: dict[str, str] | None = None  # environment for the spawned command (None: inherit)
    cwd: str | None = None
    decode: bool = True  # produce decoded argument text (sinks that print need it)
    align_column: int = 40  # strace's -a default
