"""The HTML report's numbers: what one pass over the events collects, as JSON-ready lists.

The -c table and its percentiles come from ``SummarySink`` and ``analysis.latency`` and the
function profile from ``ProfileSink``; this module adds what only the report shows: the
timeline's calls, errors by errno, the slowest calls, source lines, processes, and latency
histograms drawn from the same durations the percentiles are computed from.
"""

from __future__ import annotations

import heapq
import json
import os
from array import array
from dataclasses import dataclass, field

from ..analysis.latency import PERCENTILES, Latencies, bucket_bounds, from_histogram
from ..events import (
    DecisionEvent,
    Event,
    ExitEvent,
    LostEvent,
    ProcessEvent,
    SignalEvent,
    StopEvent,
    SyscallEvent,
    SyscallTotals,
    args_text,
)
from ..syscalls.xlat.errno_table import ERRNOS
from .flame import clean
from .html_fds import FORKS, FdTracker, _unquote
from .summary import SummarySink

TIMELINE_LIMIT = 250_000  # calls drawn in the timeline; later ones are counted everywhere else
MARK_LIMIT = 20_000  # signals, stops and exits drawn in the timeline
ARG_CHARS = 160  # a call's argument text in the page, cut after this many characters
EXAMPLES = 5  # distinct argument texts kept per (syscall, errno)
SLOWEST = 50  # the slowest calls listed
SOURCE_ROWS = 500  # source lines listed
DECISION_ROWS = 10_000  # transpiler decisions listed; later ones are only counted
VALUE_CHARS = 400  # a decision's input or result (JSON text) in the page, cut after this many characters

# the timeline's colour groups, first match wins: strace's trace classes, plus the calls that wait
WAITS = frozenset({
    "futex", "poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2", "nanosleep",
    "clock_nanosleep", "wait4", "waitid", "pause", "rt_sigsuspend", "rt_sigtimedwait", "sched_yield",
})
CATEGORY_CLASSES = (("network", "%network"), ("process", "%process"), ("signal", "%signal"),
                    ("memory", "%memory"), ("ipc", "%ipc"), ("file", "%file"), ("descriptor", "%desc"))


def category(name: str, classes: dict[str, frozenset[str]]) -> str:
    """The colour group of a syscall in the timeline."""
    if name in WAITS:
        return "wait"
    for group, cls in CATEGORY_CLASSES:
        if name in classes.get(cls, ()):
            return group
    return "other"


def histogram(values: array) -> list[tuple[int, int, int]]:
    """(lowest ns, highest ns, calls) of each non-empty bucket: four per power of two."""
    counts: dict[int, int] = {}
    for v in values:
        bits = v.bit_length()
        key = bits * 4 + ((v >> (bits - 3)) & 3 if bits >= 3 else 0)
        counts[key] = counts.get(key, 0) + 1
    out = []
    for key in sorted(counts):
        bits, quarter = divmod(key, 4)
        if bits < 3:
            low, high = bucket_bounds(bits)
        else:
            step = 1 << (bits - 3)
            low = (1 << (bits - 1)) + quarter * step
            high = low + step - 1
        out.append((low, high, counts[key]))
    return out


def errno_name(error: int) -> str:
    return ERRNOS[error][0] if error in ERRNOS else f"errno {error}"


def _top(names: dict[str, int]) -> str:
    """The four syscalls made most often, most first."""
    return ", ".join(n for n, _ in sorted(names.items(), key=lambda kv: -kv[1])[:4])


def _value(value: object) -> str:
    """A decision's input or result as the page shows it: JSON text, cut."""
    text = clean(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def _cut(text: str) -> str:
    text = clean(text)
    return text if len(text) <= ARG_CHARS else text[:ARG_CHARS] + "…"


@dataclass(slots=True)
class Thread:
    """One task seen in the trace."""

    tid: int
    tgid: int
    first_ns: int
    last_ns: int
    calls: int = 0
    end: str = ""  # 'exited with 0', 'killed by SIGKILL' ('' while running at the end)


@dataclass(slots=True)
class Process:
    """One thread group: what it ran and how it ended."""

    tgid: int
    name: str = ""
    argv: str = ""  # the argument text of its last successful execve
    calls: int = 0
    errors: int = 0
    end: str = ""


@dataclass
class ReportData:
    """Collects everything the report shows, one event at a time."""

    classes: dict[str, frozenset[str]]
    fds: FdTracker
    summary: SummarySink
    threads: dict[int, Thread] = field(default_factory=dict)
    processes: dict[int, Process] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    # the timeline's calls, column by column (absolute monotonic ns until the end)
    c_thread: array = field(default_factory=lambda: array("i"))
    c_name: array = field(default_factory=lambda: array("i"))
    c_enter: array = field(default_factory=lambda: array("q"))
    c_duration: array = field(default_factory=lambda: array("q"))
    c_error: list[str] = field(default_factory=list)
    c_args: list[str] = field(default_factory=list)
    c_ret: list[str] = field(default_factory=list)
    marks: list[tuple[int, int, str, str]] = field(default_factory=list)  # (tid, ns, kind, text)
    errors: dict[tuple[str, int], list] = field(default_factory=dict)  # -> [count, examples, tids]
    slowest: list[tuple[int, int, str, str, str, int, int]] = field(default_factory=list)  # a min-heap
    # (file, line, function, generated 'file:line' of a mapped frame or '', mapping) -> [calls, ns, {syscall}]
    sources: dict[tuple[str, int, str, str, str], list] = field(default_factory=dict)
    decisions: list[DecisionEvent] = field(default_factory=list)
    decision_count: int = 0
    calls: int = 0  # every call, finished or not
    syscalls: int = 0  # the calls that returned (as -c counts them)
    failed: int = 0
    unfinished: int = 0
    cut_short: int = 0  # unfinished calls other than exit and exit_group
    signals: int = 0
    lost: int = 0
    first_ns: int | None = None
    last_ns: int = 0
    first_wall_ns: int | None = None
    has_source: bool = False

    def handle(self, ev: Event) -> None:
        """Take one event into every part of the report."""
        if isinstance(ev, SyscallEvent):
            self._call(ev)
        elif isinstance(ev, (SignalEvent, StopEvent)):
            self._seen(ev.tid, ev.tgid, ev.ts_ns, ev.wall_ns)
            if isinstance(ev, SignalEvent):
                self.signals += 1
                self._mark(ev.tid, ev.ts_ns, "signal", f"{ev.signame} {ev.siginfo_text}")
            else:
                self._mark(ev.tid, ev.ts_ns, "stop", f"stopped by {ev.signame}")
        elif isinstance(ev, ExitEvent):
            end = (f"exited with {ev.exit_code}" if ev.exit_code is not None
                   else f"killed by {ev.signame}{' (core dumped)' if ev.core_dumped else ''}")
            self._seen(ev.tid, ev.tgid, ev.ts_ns, ev.wall_ns).end = end
            if ev.leader:
                self.processes.setdefault(ev.tgid, Process(ev.tgid)).end = end
            self._mark(ev.tid, ev.ts_ns, "exit", end)
        elif isinstance(ev, LostEvent):
            self.lost += ev.count
            self._mark(-1, ev.ts_ns, "lost", f"{ev.count} events lost")
        elif isinstance(ev, ProcessEvent) and ev.tid in self.threads:
            self._mark(ev.tid, ev.ts_ns, "process", f"{ev.kind} {ev.detail}".strip())
        elif isinstance(ev, DecisionEvent):
            self.decision_count += 1
            if len(self.decisions) < DECISION_ROWS:
                self.decisions.append(ev)
            if ev.tid in self.threads:
                self._mark(ev.tid, ev.ts_ns, "decision", f"{ev.category}::{ev.name}")
        elif isinstance(ev, SyscallTotals):
            self.syscalls = sum(s.calls for s in self.summary.stats.values())
            self.failed = sum(s.errors for s in self.summary.stats.values())

    def _seen(self, tid: int, tgid: int, ns: int, wall_ns: int) -> Thread:
        if self.first_ns is None or ns < self.first_ns:
            self.first_ns = ns
        if self.first_wall_ns is None:
            self.first_wall_ns = wall_ns
        self.last_ns = max(self.last_ns, ns)
        thread = self.threads.get(tid)
        if thread is None:
            thread = self.threads[tid] = Thread(tid, tgid, ns, ns)
            self.processes.setdefault(tgid, Process(tgid))
        thread.first_ns, thread.last_ns = min(thread.first_ns, ns), max(thread.last_ns, ns)
        return thread

    def _mark(self, tid: int, ns: int, kind: str, text: str) -> None:
        if len(self.marks) < MARK_LIMIT:
            self.marks.append((tid, ns, kind, _cut(text)))

    def _call(self, ev: SyscallEvent) -> None:
        end_ns = max(ev.exit_ns, ev.enter_ns)
        thread = self._seen(ev.tid, ev.tgid, ev.enter_ns, ev.enter_wall_ns)
        thread.last_ns = max(thread.last_ns, end_ns)
        self.last_ns = max(self.last_ns, end_ns)
        thread.calls += 1
        process = self.processes.setdefault(ev.tgid, Process(ev.tgid))
        process.calls += 1
        self.calls += 1
        done = ev.retval is not None and not ev.unfinished
        self.syscalls += done  # as -c counts: calls that returned
        self.unfinished += not done
        self.cut_short += not done and ev.name not in ("exit", "exit_group")  # those never return anyway
        text = _cut(args_text(ev.entry_text, ev.exit_text, ev.joint))
        duration = end_ns - ev.enter_ns
        if ev.error:
            self.failed += 1
            process.errors += 1
            self._error(ev, text)
        if ev.name in ("execve", "execveat") and not ev.error and ev.retval is not None and ev.entry_text:
            path = _unquote(ev.entry_text[1 if ev.name == "execveat" else 0])
            process.name, process.argv = os.path.basename(path), text
        if ev.name in FORKS and ev.retval and ev.retval > 0 and not ev.error and "CLONE_THREAD" not in text:
            child = self.processes.setdefault(ev.retval, Process(ev.retval))
            child.name = child.name or process.name  # a fork runs its parent's program until it execs
        if ev.retval is not None and not ev.unfinished:
            self.fds.add(ev)
            if len(self.slowest) < SLOWEST or duration > self.slowest[0][0]:
                item = (duration, self.calls, ev.name, text, ev.ret_text, ev.tid, ev.enter_ns)
                if len(self.slowest) < SLOWEST:
                    heapq.heappush(self.slowest, item)
                else:
                    heapq.heapreplace(self.slowest, item)
        if ev.source is not None:
            self.has_source = True
            src = ev.source
            generated = f"{src.generated_file}:{src.generated_line}" if src.mapping else ""
            key = (src.file, src.line, src.function, generated, src.mapping)
            row = self.sources.setdefault(key, [0, 0, {}])
            row[0] += 1
            row[1] += duration
            row[2][ev.name] = row[2].get(ev.name, 0) + 1
        if len(self.c_enter) < TIMELINE_LIMIT:
            self.c_thread.append(ev.tid)
            self.c_name.append(self.names.setdefault(ev.name, len(self.names)))
            self.c_enter.append(ev.enter_ns)
            self.c_duration.append(duration)
            self.c_error.append(errno_name(ev.error) if ev.error else "")
            self.c_args.append(text)
            self.c_ret.append("?" if ev.unfinished else clean(ev.ret_text))

    def _error(self, ev: SyscallEvent, text: str) -> None:
        group = self.errors.setdefault((ev.name, ev.error), [0, [], set()])
        group[0] += 1
        if len(group[1]) < EXAMPLES and text not in group[1]:
            group[1].append(text)
        if len(group[2]) < 20:
            group[2].add(ev.tid)

    # ---- the JSON-ready sections --------------------------------------------------------

    def summary_rows(self) -> list[list]:
        """The -c table's rows with the --stats-extended numbers, by time, largest first."""
        s = self.summary
        rows = []
        for st in sorted(s.stats.values(), key=lambda st: (-st.total_ns, st.nr)):
            t = s.kernel_totals.get(st.nr)
            if t is not None:
                lat = from_histogram(t.calls, t.total_ns, t.min_ns, t.max_ns, t.histogram)
                buckets = [(*bucket_bounds(i), n) for i, n in enumerate(t.histogram) if n]
            else:
                values = s.latencies.get(st.nr, Latencies()).values
                lat = s.latencies[st.nr].summary() if values else None
                buckets = histogram(values)
            pct = [round(p) for p in lat.percentiles] if lat else [None] * len(PERCENTILES)
            stddev = None if lat is None or lat.stddev is None else round(lat.stddev)
            mean = round(lat.mean) if lat else 0
            rows.append([st.name, st.calls, st.errors, st.total_ns, st.min_ns or 0, st.max_ns, mean, stddev,
                         *pct, category(st.name, self.classes), buckets])
        return rows

    def timeline(self) -> dict:
        """Threads (rows), the calls on them, and the marks, times in ns since the first event."""
        t0 = self.first_ns or 0
        order = sorted(self.threads.values(), key=lambda t: (self.threads[t.tgid].first_ns
                                                             if t.tgid in self.threads else t.first_ns,
                                                             t.tgid, t.tid != t.tgid, t.first_ns))
        row = {t.tid: i for i, t in enumerate(order)}
        procs = self.processes
        return {
            "threads": [[t.tid, t.tgid, t.first_ns - t0, t.last_ns - t0, t.end, procs[t.tgid].name, t.calls]
                        for t in order],
            "names": list(self.names),
            "th": [row[tid] for tid in self.c_thread],
            "nm": list(self.c_name),
            "t": [v - t0 for v in self.c_enter],
            "d": list(self.c_duration),
            "e": self.c_error,
            "a": self.c_args,
            "r": self.c_ret,
            "marks": [[row.get(tid, -1), ns - t0, kind, text] for tid, ns, kind, text in self.marks],
            "kept": len(self.c_enter),
            "total": self.calls,
            "limit": TIMELINE_LIMIT,
            "categories": {name: category(name, self.classes) for name in self.names},
        }

    def error_rows(self) -> list[list]:
        """(syscall, errno, its meaning, calls, example arguments, tids) by calls, most first."""
        rows = [[name, errno_name(err), ERRNOS[err][1] if err in ERRNOS else "", g[0], g[1], sorted(g[2])]
                for (name, err), g in self.errors.items()]
        return sorted(rows, key=lambda r: (-r[3], r[0], r[1]))

    def slowest_rows(self) -> list[list]:
        t0 = self.first_ns or 0
        return [[name, args, clean(ret), d, tid, enter - t0]
                for d, _, name, args, ret, tid, enter in sorted(self.slowest, reverse=True)]

    def source_rows(self) -> list[list]:
        rows = sorted(self.sources.items(), key=lambda kv: (-kv[1][1], -kv[1][0]))[:SOURCE_ROWS]
        return [[clean(f), line, clean(fn), v[0], v[1], _top(v[2]), clean(gen), mapping]
                for (f, line, fn, gen, mapping), v in rows]

    def _under(self) -> dict[tuple[str, int], list]:
        """(file basename, line) -> [calls, ns, {syscall: calls}] of the calls made there."""
        out: dict[tuple[str, int], list] = {}
        for (file, line, _fn, gen, _mapping), (calls, ns, names) in self.sources.items():
            places = {(os.path.basename(file), line)}
            if gen:
                gen_file, _, gen_line = gen.rpartition(":")
                places.add((os.path.basename(gen_file), int(gen_line or 0)))
            for place in places:
                row = out.setdefault(place, [0, 0, {}])
                row[0] += calls
                row[1] += ns
                for name, n in names.items():
                    row[2][name] = row[2].get(name, 0) + n
        return out

    def decision_rows(self) -> dict | None:
        """The decision table: one row a decision, with the calls that ran under its source location."""
        if not self.decision_count:
            return None
        t0 = self.first_ns or 0
        under = self._under() if self.has_source else {}
        rows = []
        for d in sorted(self.decisions, key=lambda d: d.ts_ns):
            ran = None
            if d.file and self.has_source:
                calls, ns, names = under.get((os.path.basename(d.file), d.line), (0, 0, {}))
                ran = [calls, ns, _top(names)]
            result = _value(d.result) if d.has_result else None
            rows.append([d.ts_ns - t0, clean(d.category), clean(d.name), _value(d.input), result,
                         clean(d.file), d.line, d.column, d.origin, f"{d.decision_id:016x}", d.tid, ran])
        return {"rows": rows, "total": self.decision_count, "kept": len(rows), "linked": self.has_source}

    def process_rows(self) -> list[list]:
        threads: dict[int, int] = {}
        for t in self.threads.values():
            threads[t.tgid] = threads.get(t.tgid, 0) + 1
        return [[p.tgid, p.name, p.argv, threads.get(p.tgid, 0), p.calls, p.errors, p.end]
                for p in self.processes.values()]
