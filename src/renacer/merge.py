"""``--merge``: recordings of one W3C trace (several processes or hosts) as one recording, in causal order.

Each recording's header names its trace, its own span and the span it was started under
(docs/recording.md). The recordings of the first one's trace form a tree by those links; each
child's clock is corrected, after its parent's, so its events fall inside its parent's span;
every recording is mapped onto that one corrected wall clock and the records are merged by it,
each recording's own order kept. See docs/merge.md.
"""

from __future__ import annotations

import heapq
import io
import os
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any, TextIO

from . import __version__
from .config import Config
from .errors import RenacerError
from .recording import Recording, dumps, footer_record, header_record, on_one_clock

_DEFAULTS = Config()


@dataclass(slots=True)
class _Part:
    """One recording being merged: its place in the trace, and what its clock needs."""

    path: str
    recording: Recording
    span_id: int
    parent_span_id: int | None
    clock_ns: int = 0  # its wall clock minus its monotonic clock, as its events say
    first_ns: int | None = None  # its first record's time (a call's: its exit), monotonic
    begin_ns: int | None = None  # when its earliest event began
    last_ns: int | None = None  # its latest event's time
    end_ns: int | None = None  # its main process's exit (else its last event)
    pids: set[int] = field(default_factory=set)
    offset_ns: int = 0  # the causal correction: how far its clock was moved

    @property
    def shift_ns(self) -> int:
        """What turns its monotonic times into times on the merge's one clock."""
        return self.clock_ns + self.offset_ns


def merge(config: Config) -> int:
    """Merge ``config.merge``'s recordings into -o (stdout without); the status renacer ends with."""
    _check_options(config)
    parts, left_out = _group([Recording(path) for path in config.merge])
    if config.output is not None:
        _refuse_overwrite(config.output, config.merge)
    if config.otlp_endpoint:
        from .sinks.otlp_export import settings

        settings(config)  # a bad protocol or OTEL_ variable: one error line before anything is written
    for part in parts:
        _scan(part)
    order = _causal_order(parts)
    _report_pid_collisions(order)
    _write(config, order)
    if config.otlp_endpoint:
        _export(config, order)
    return 1 if left_out else 0


def _check_options(config: Config) -> None:
    """Only -o and the --otlp-* options mean something to a merge."""
    for f in fields(Config):
        name = f.name
        if name in ("merge", "output") or name.startswith("otlp_"):
            continue
        if name == "format" and config.format == "json":
            continue  # a merge writes a recording: --format json says nothing new
        if getattr(config, name) != getattr(_DEFAULTS, name):
            raise RenacerError("--merge takes only -o FILE and the --otlp-* options")


def _refuse_overwrite(output: str, inputs: tuple[str, ...]) -> None:
    for path in inputs:
        try:
            same = os.path.samefile(output, path)
        except OSError:
            same = False
        if same:
            raise RenacerError(f"-o {output} is one of the recordings being merged")


def _group(recordings: list[Recording]) -> tuple[list[_Part], bool]:
    """The recordings of the first one's trace; each other one reported on one line."""
    first = recordings[0]
    if first.trace is None:
        raise RenacerError(f"{first.path}: no trace id in its header (recorded by an older renacer?): "
                           "nothing to merge by")
    trace_id = first.trace.trace_id
    parts: list[_Part] = []
    spans: dict[int, str] = {}
    left_out = False
    for rec in recordings:
        ctx = rec.trace
        why = ""
        if ctx is None:
            why = f"no trace id (not {first.path}'s {trace_id:032x})"
        elif ctx.trace_id != trace_id:
            why = f"trace id {ctx.trace_id:032x} is not {first.path}'s {trace_id:032x}"
        elif ctx.span_id in spans:
            why = f"span id {ctx.span_id:016x} is {spans[ctx.span_id]}'s too (the same run twice?)"
        if why:
            _say(f"{rec.path}: {why}: left out")
            left_out = True
            continue
        spans[ctx.span_id] = rec.path  # type: ignore[union-attr]
        parts.append(_Part(rec.path, rec, ctx.span_id, ctx.parent_span_id))  # type: ignore[union-attr]
    return parts, left_out


def _times(record: dict[str, Any]) -> tuple[int, int] | None:
    """(when the event began, when it happened) on its recording's monotonic clock; None: no time."""
    if isinstance(record.get("exit_ns"), int) and isinstance(record.get("enter_ns"), int):
        return record["enter_ns"], record["exit_ns"]
    ts = record.get("ts_ns")
    return (ts, ts) if isinstance(ts, int) else None


def _clock_reading(record: dict[str, Any]) -> int | None:
    """The record's wall time minus its monotonic time (the two clocks read at one stop)."""
    for mono, wall in (("enter_ns", "enter_wall_ns"), ("ts_ns", "wall_ns")):
        if isinstance(record.get(mono), int) and isinstance(record.get(wall), int):
            return record[wall] - record[mono]
    return None


def _scan(part: _Part) -> None:
    """One pass over a recording (every line checked): its span, its pids, its clock."""
    header_pids = part.recording.header.get("pids") or []
    main = header_pids[0] if header_pids and isinstance(header_pids[0], int) else None
    readings: list[int] = []
    for _lineno, record in part.recording.records():
        pid = record.get("tgid", record.get("tid"))
        if isinstance(pid, int):
            part.pids.add(pid)
            main = pid if main is None else main
        times = _times(record)
        if times is None:
            continue
        begin, at = times
        if part.first_ns is None:
            part.first_ns = part.begin_ns = part.last_ns = at
        part.begin_ns = min(part.begin_ns, begin)  # type: ignore[type-var]
        part.last_ns = max(part.last_ns, at)  # type: ignore[type-var]
        if record["type"] == "exit" and record.get("tgid") == main and record.get("leader", True):
            part.end_ns = at
        reading = _clock_reading(record)
        if reading is not None:
            readings.append(reading)
    if part.end_ns is None:
        part.end_ns = part.last_ns  # the main process never exited here (detached, killed renacer)
    part.clock_ns = statistics.median_low(readings) if readings else 0


def _causal_order(parts: list[_Part]) -> list[_Part]:
    """The recordings, parents first (a tree by parent span ids), each child's clock corrected."""
    by_span = {part.span_id: part for part in parts}
    children: dict[int, list[_Part]] = {}
    for part in parts:
        parent = by_span.get(part.parent_span_id)  # type: ignore[arg-type]
        if parent is not None and parent is not part:
            children.setdefault(parent.span_id, []).append(part)
    order: list[_Part] = []
    placed: set[int] = set()

    def visit(root: _Part) -> None:
        placed.add(root.span_id)
        queue = [root]
        while queue:
            part = queue.pop(0)
            order.append(part)
            for child in children.get(part.span_id, []):
                if child.span_id not in placed:
                    child.offset_ns = _offset(part, child)
                    placed.add(child.span_id)
                    queue.append(child)

    for part in parts:  # the roots, in the order given: their parent span is no recording's
        if by_span.get(part.parent_span_id) in (None, part):  # type: ignore[arg-type]
            visit(part)
    for part in parts:  # a cycle of parent links has no root: it starts where it is first met
        if part.span_id not in placed:
            visit(part)
    return order


def _offset(parent: _Part, child: _Part) -> int:
    """The smallest move of the child's clock that puts its events inside its parent's span.

    Its earliest event at or after the parent's first event, and, where its length allows, its
    last event before the parent's main process exit; 0 when it is there already.
    """
    if parent.first_ns is None or child.begin_ns is None:
        return 0  # a recording without events says nothing about when
    start = parent.first_ns + parent.shift_ns
    end = parent.end_ns + parent.shift_ns  # type: ignore[operator]
    lo = start - (child.begin_ns + child.clock_ns)  # the least move that starts it after its parent
    hi = end - 1 - (child.last_ns + child.clock_ns)  # type: ignore[operator]  # the most that ends it in time
    if lo > hi:
        return max(0, lo)  # longer than its parent's span: only the start can be made right
    return lo if lo > 0 else hi if hi < 0 else 0


def _report_pid_collisions(order: list[_Part]) -> None:
    """Recordings from other hosts (or pid namespaces) may share pids: said once, events kept."""
    seen: dict[int, str] = {}
    for part in order:
        common = sorted(part.pids & seen.keys())
        if common:
            shown = ", ".join(map(str, common[:5])) + (", ..." if len(common) > 5 else "")
            others = sorted({seen[pid] for pid in common})
            _say(f"{part.path}: pid {shown} also in {', '.join(others)} (another host or pid namespace?): "
                 "events kept")
        for pid in part.pids:
            seen.setdefault(pid, part.path)


def _stream(part: _Part) -> Iterator[tuple[int, dict[str, Any]]]:
    """(time on the merge's clock, record moved onto it) of one recording, in its own order."""
    at = part.first_ns + part.shift_ns if part.first_ns is not None else 0
    for _lineno, record in part.recording.records():
        times = _times(record)
        if times is not None:
            at = times[1] + part.shift_ns
        yield at, on_one_clock(record, part.shift_ns)


def _write(config: Config, order: list[_Part]) -> None:
    """The merged recording: a header naming the parts, their records merged by time, a footer."""
    root = order[0]
    ctx = root.recording.trace
    header = root.recording.header
    trace: dict[str, Any] = {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{root.span_id:016x}"}  # type: ignore[union-attr]
    if root.parent_span_id is not None:
        trace["parent_span_id"] = f"{root.parent_span_id:016x}"
    if ctx.tracestate:  # type: ignore[union-attr]
        trace["tracestate"] = ctx.tracestate  # type: ignore[union-attr]
    trace["merged"] = [
        {"file": p.path, "command": p.recording.header.get("command", []), "span_id": f"{p.span_id:016x}",
         "parent_span_id": None if p.parent_span_id is None else f"{p.parent_span_id:016x}",
         "offset_ns": p.offset_ns, "pids": sorted(p.pids)}
        for p in order]
    out = _open(config.output)
    try:
        out.write(dumps(header_record(header.get("command", []), header.get("pids", []),
                                      header.get("arch", ""), __version__, header.get("start_wall_ns", 0),
                                      trace)))
        events = syscalls = errors = 0
        for _at, record in heapq.merge(*map(_stream, order), key=lambda item: item[0]):
            out.write(dumps(record))
            events += 1
            if record["type"] == "syscall":
                syscalls += 1
                errors += bool(record.get("error"))
        status = root.recording.footer.get("exit_status") if root.recording.footer else None
        out.write(dumps(footer_record(events, syscalls, errors, status)))
        out.flush()
    finally:
        if out is not sys.stdout:
            out.close()


def _open(path: str | None) -> TextIO:
    if path is None:
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8", errors="surrogateescape")
    except OSError as e:
        raise RenacerError(f"Can't fopen '{path}': {e.strerror}") from None


def _export(config: Config, order: list[_Part]) -> None:
    """--otlp-endpoint: each recording's processes under its own span id, its parent span remote parent."""
    from .sinks.otlp import OtlpSink
    from .tracecontext import TraceIds, remote_parent

    trace_id = order[0].recording.trace.trace_id  # type: ignore[union-attr]
    for part in order:
        state = part.recording.trace.tracestate  # type: ignore[union-attr]
        parent = remote_parent(trace_id, part.parent_span_id, state) if part.parent_span_id else None
        said = io.StringIO()
        # input= a recording: the sink reads nothing of the long-gone processes from /proc
        sink = OtlpSink(replace(config, merge=(), input=part.path), TraceIds(trace_id, part.span_id, parent),
                        part.recording.header, said)
        try:
            for ev in part.recording.events(part.shift_ns):
                sink.handle(ev)
        finally:
            footer = part.recording.footer or {}
            sink.exit_status = footer.get("exit_status")
            sink.close()
            for line in said.getvalue().splitlines():  # the tally and any warning, per recording
                _say(f"{part.path}: {line.removeprefix('renacer: ')}")


def _say(message: str) -> None:
    print(f"renacer: {message}", file=sys.stderr, flush=True)
