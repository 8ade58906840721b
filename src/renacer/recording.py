"""The canonical recording: JSON Lines, schema ``renacer-trace/1`` (see docs/recording.md).

One header record, one record per event (a syscall once, when it has finished: entry and exit
merged), one footer. Every field of the event model is kept, so a recording replays through
the same sinks as a live run: ``read_recording`` gives the events back, and re-creates the
entry of each call at its entry time so the text sink splits lines exactly as it did live.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import RenacerError
from .events import (
    DecisionEvent,
    Event,
    ExitEvent,
    LostEvent,
    ProcessEvent,
    SignalEvent,
    SourceFrame,
    StackFrame,
    StopEvent,
    SyscallEnter,
    SyscallEvent,
)
from .syscalls.dump import IoBlock
from .syscalls.xlat.errno_table import ERRNOS

SCHEMA = "renacer-trace/1"
TYPES: dict[type, str] = {
    SyscallEvent: "syscall",
    SignalEvent: "signal",
    StopEvent: "stop",
    ExitEvent: "exit",
    ProcessEvent: "process",
    LostEvent: "lost",
    DecisionEvent: "decision",
}
CLASSES = {name: cls for cls, name in TYPES.items()}


TRACE_FIELDS = ("trace_id", "span_id", "parent_span_id", "tracestate")  # a header's W3C trace context


@dataclass(frozen=True, slots=True)
class TraceContext:
    """A recording's place in a W3C trace: the run's span, and the span it was started under."""

    trace_id: int
    span_id: int  # the spawned command's process span (the one --otlp-endpoint exports as its root)
    parent_span_id: int | None  # the span the run joined (--trace-parent, TRACEPARENT); None: none
    tracestate: str = ""


def header_record(command: list[str], pids: list[int], arch: str, version: str, wall_ns: int,
                  trace: dict[str, str] | None = None) -> dict:
    """The first record: what was traced, by which renacer, when; ``trace``: its trace context fields."""
    return {"type": "header", "schema": SCHEMA, "version": version, "arch": arch,
            "command": command, "pids": pids, "start_wall_ns": wall_ns, **(trace or {})}


_HEX_IDS = {"trace_id": 32, "span_id": 16, "parent_span_id": 16}
_HEX_DIGITS = frozenset("0123456789abcdef")


def _trace_context(header: dict[str, Any]) -> TraceContext | None:
    """The header's trace context; None when it has none; ValueError when a field is malformed."""
    if "trace_id" not in header:
        return None
    ids: dict[str, int] = {}
    for key, digits in _HEX_IDS.items():
        value = header.get(key)
        if value is None and key == "parent_span_id":
            continue
        if not (isinstance(value, str) and len(value) == digits and set(value) <= _HEX_DIGITS
                and value.strip("0")):
            raise ValueError(f"{key} {json.dumps(value)} is not {digits} lowercase hex digits, not all zero")
        ids[key] = int(value, 16)
    state = header.get("tracestate", "")
    if not isinstance(state, str):
        raise ValueError("tracestate is not a string")
    return TraceContext(ids["trace_id"], ids["span_id"], ids.get("parent_span_id"), state)


_CLOCK_PAIRS = (("ts_ns", "wall_ns"), ("enter_ns", "enter_wall_ns"))  # a monotonic time, its wall twin


def on_one_clock(record: dict[str, Any], shift_ns: int) -> dict[str, Any]:
    """A record with its monotonic times moved by ``shift_ns`` and its wall times made equal to them.

    A merge maps every recording onto one (corrected wall) clock: after it, ``ts_ns`` and
    ``wall_ns`` of a record are the same number, and durations are unchanged.
    """
    out = dict(record)
    for mono, wall in _CLOCK_PAIRS:
        if isinstance(out.get(mono), int):
            out[mono] += shift_ns
            if wall in out:
                out[wall] = out[mono]
    if isinstance(out.get("exit_ns"), int):
        out["exit_ns"] += shift_ns
    return out


def event_record(ev: Event, entered: bool = False, has_exit_args: bool = False) -> dict[str, Any] | None:
    """One event as a JSON-ready dict; None for a call's entry (its call record holds it).

    ``entered``: the call's entry was an event of its own (it did not end at once); then
    ``has_exit_args`` says whether that entry expected more arguments at exit.
    """
    kind = TYPES.get(type(ev))
    if kind is None:
        return None
    record: dict[str, Any] = {"type": kind}
    for f in dataclasses.fields(ev):  # type: ignore[arg-type]
        value = getattr(ev, f.name)
        if f.name in _SOURCE_FIELDS:
            if value:  # written only when captured: a recording without stacks stays as it was
                record[f.name] = _frames_record(value)
            continue
        if isinstance(value, tuple):
            value = [_io_record(v) if isinstance(v, IoBlock) else v for v in value]
        record[f.name] = value
    if isinstance(ev, SyscallEvent):
        record["entered"] = entered
        record["has_exit_args"] = has_exit_args
        record["duration_ns"] = ev.exit_ns - ev.enter_ns
        record["errno"] = ERRNOS[ev.error][0] if ev.error in ERRNOS else None
    return record


_SOURCE_FIELDS = frozenset({"stack", "unwound", "frames", "source", "located", "pystack"})


_MAPPED_FIELDS = ("mapping", "generated_file", "generated_line", "generated_function")


def _frame_record(frame: Any) -> dict[str, Any]:  # noqa: ANN401 - a StackFrame or a SourceFrame
    record = dataclasses.asdict(frame)
    if isinstance(frame, SourceFrame) and not frame.mapping:  # a frame no transpiler map names:
        for key in _MAPPED_FIELDS:  # ...written as before maps existed
            del record[key]
    return record


def _frames_record(value: Any) -> Any:  # noqa: ANN401 - a frame, a tuple of frames, or a text
    if isinstance(value, tuple):
        return [_frame_record(v) for v in value]
    return _frame_record(value) if dataclasses.is_dataclass(value) else value


def _io_record(block: IoBlock) -> dict[str, Any]:
    return {"index": block.index, "data_hex": block.data.hex(), "vector": block.vector,
            "vector_len": block.vector_len}


def footer_record(events: int, syscalls: int, errors: int, exit_status: int | None) -> dict[str, Any]:
    """The last record: totals, and the status the traced command ended with."""
    return {"type": "footer", "events": events, "syscalls": syscalls, "errors": errors,
            "exit_status": exit_status}


def dumps(record: dict[str, Any]) -> str:
    """A record as one JSON Lines line."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"


def _event_from(record: dict[str, Any]) -> Event:
    cls = CLASSES[record["type"]]
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in record:
            if f.default is dataclasses.MISSING:
                raise KeyError(f.name)
            continue
        value = record[f.name]
        if f.name == "io":
            value = tuple(IoBlock(b["index"], bytes.fromhex(b["data_hex"]), b["vector"], b["vector_len"])
                          for b in value)
        elif f.name == "stack":
            value = tuple(StackFrame(**frame) for frame in value)
        elif f.name in ("frames", "pystack"):
            value = tuple(SourceFrame(**frame) for frame in value)
        elif f.name == "source":
            value = SourceFrame(**value) if value is not None else None
        elif isinstance(value, list) and f.name not in ("input", "result"):  # those are JSON values
            value = tuple(value)
        values[f.name] = value
    return cls(**values)


class Recording:
    """A recording read back: its header, then its events (``events()``), then its footer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.footer: dict[str, Any] | None = None
        try:
            with open(path, "rb") as f:
                first = f.readline()
        except OSError as e:
            raise RenacerError(f"Can't open '{path}': {e.strerror}") from None
        try:
            self.header: dict[str, Any] = json.loads(first)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self.header = {}
        if not isinstance(self.header, dict) or self.header.get("type") != "header" or (
                self.header.get("schema") != SCHEMA):
            raise RenacerError(f"{path}:1: not a renacer recording (expected a {SCHEMA} header)")
        try:
            self.trace: TraceContext | None = _trace_context(self.header)
        except ValueError as e:
            raise RenacerError(f"{path}:1: bad trace context in the header ({e})") from None

    def _lines(self) -> Iterator[tuple[int, int, bytes]]:
        """(line number, offset, line) of every record after the header."""
        with open(self.path, "rb") as f:
            f.readline()
            offset, lineno = f.tell(), 2
            for line in f:
                yield lineno, offset, line
                offset += len(line)
                lineno += 1

    def _parse(self, lineno: int, line: bytes,
               shift: int | None = None) -> tuple[dict[str, Any], Event | None]:
        try:
            record = json.loads(line)
            if record.get("type") == "footer":
                return record, None
            if shift is not None:
                record = on_one_clock(record, shift)
            return record, _event_from(record)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            del e
            raise RenacerError(f"{self.path}:{lineno}: truncated or corrupt record") from None
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise RenacerError(f"{self.path}:{lineno}: bad record ({type(e).__name__}: {e})") from None

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, record) of every event record, each checked as ``events()`` would; the footer
        goes to ``footer``. A bad line raises RenacerError with its line number."""
        for lineno, _offset, line in self._lines():
            if not line.strip():
                continue
            record, ev = self._parse(lineno, line)
            if ev is None:
                self.footer = record
                continue
            yield lineno, record

    def _entries(self) -> list[tuple[int, int, int]]:
        """(entry time, line number, offset) of every call whose entry was an event of its own."""
        entries = []
        for lineno, offset, line in self._lines():
            if b'"entered":true' in line:
                try:
                    enter_ns = json.loads(line)["enter_ns"]
                except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                    continue  # reported with its line number when the second pass reaches it
                entries.append((enter_ns, lineno, offset))
        entries.sort()
        return entries

    def events(self, shift: int | None = None) -> Iterator[Event]:
        """The events in the order a live run produced them, each call's entry re-created.

        Two passes: the first notes when each call was entered (three numbers a call), the
        second hands out the events, putting each entry back where it happened; a bad line
        ends the replay with its line number after everything before it. ``shift``: the events
        moved onto a merge's one clock (see ``on_one_clock``).
        """
        entries = self._entries()
        k = 0
        with open(self.path, "rb") as again:
            for lineno, _offset, line in self._lines():
                if not line.strip():
                    continue
                record, ev = self._parse(lineno, line, shift)
                if ev is None:
                    self.footer = record
                    continue
                ts = ev.exit_ns if isinstance(ev, SyscallEvent) else ev.ts_ns
                while k < len(entries) and entries[k][0] + (shift or 0) <= ts:
                    _enter_ns, at_line, at = entries[k]
                    k += 1
                    again.seek(at)
                    rec, call = self._parse(at_line, again.readline(), shift)
                    if isinstance(call, SyscallEvent):
                        c = call
                        has_exit = bool(rec.get("has_exit_args"))
                        yield SyscallEnter(c.tid, c.tgid, c.nr, c.name, c.args, c.entry_text, has_exit,
                                           c.enter_ns, c.enter_wall_ns, c.joint, c.ip)
                yield ev
