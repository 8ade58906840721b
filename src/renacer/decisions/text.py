"""The text form: ``[DECISION] category::name input={json}`` and ``[RESULT] name = {json}`` lines.

The bytes a process writes to its stderr arrive one write at a time; a line may span several
writes (Rust's ``eprintln!`` writes its pieces one by one), so each process keeps its partial
line. Only lines that can still turn into a decision are kept: any other output is skipped up to
its newline without being buffered. A result closes the latest decision of its name still open
in the same process (nesting), and a line that says it is a decision or a result but cannot be
read is counted as malformed, never fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DECISION = b"[DECISION]"
RESULT = b"[RESULT]"
LINE_MAX = 1 << 20  # a decision line longer than this is malformed (its input is not kept whole)
EXAMPLE_CHARS = 80  # a malformed line, as the report quotes it


@dataclass(slots=True)
class TextDecision:
    """One decision read from a process's stderr; ``result`` is set when its result line came."""

    tid: int
    tgid: int
    ts_ns: int  # when the write that began its line was made
    wall_ns: int
    category: str
    name: str
    input: Any  # noqa: ANN401 - a JSON value
    result: Any = None  # noqa: ANN401 - a JSON value
    has_result: bool = False


@dataclass(slots=True)
class _Stream:
    """One process's stderr: the line being written, and the decisions still waiting for a result."""

    line: bytearray = field(default_factory=bytearray)
    skipping: bool = False  # the current line is no decision: drop bytes up to its newline
    start: tuple[int, int, int] = (0, 0, 0)  # tid, monotonic and wall ns of the line's first write
    open: list[TextDecision] = field(default_factory=list)
    done: list[TextDecision] = field(default_factory=list)


def _may_be_tagged(line: bytearray) -> bool:
    """Whether a line beginning like this can still be a decision or a result line."""
    head = bytes(line[:len(DECISION)])
    return DECISION.startswith(head) or RESULT.startswith(head[:len(RESULT)])


class StderrDecisions:
    """Decisions and results parsed from every traced process's stderr writes."""

    def __init__(self) -> None:
        self.streams: dict[int, _Stream] = {}
        self.malformed = 0
        self.first_malformed = ""
        self.parsed = 0  # decisions read (with or without a result)

    def feed(self, tgid: int, tid: int, data: bytes, ts_ns: int, wall_ns: int) -> None:
        """Take the bytes one write put on fd 2 of process ``tgid``."""
        s = self.streams.get(tgid)
        if s is None:
            s = self.streams[tgid] = _Stream()
        at, size = 0, len(data)
        while at < size:
            newline = data.find(b"\n", at)
            end = size if newline < 0 else newline
            if not s.skipping and end > at:
                if not s.line:
                    s.start = (tid, ts_ns, wall_ns)
                s.line += data[at:end]
                if not _may_be_tagged(s.line):
                    s.skipping = True
                    s.line.clear()
                elif len(s.line) > LINE_MAX:
                    self._bad(bytes(s.line[:EXAMPLE_CHARS]), "longer than 1 MiB")
                    s.skipping = True
                    s.line.clear()
            if newline < 0:
                return
            if s.line and not s.skipping:
                self._line(s, tgid, bytes(s.line))
            s.line.clear()
            s.skipping = False
            at = newline + 1

    def finish(self, tgid: int) -> list[TextDecision]:
        """Process ``tgid`` is gone: its last unended line is read, and all its decisions handed over."""
        s = self.streams.pop(tgid, None)
        if s is None:
            return []
        if s.line and not s.skipping:
            self._line(s, tgid, bytes(s.line))
        return s.done + s.open

    def finish_all(self) -> list[TextDecision]:
        """The trace ended: every process's decisions, as ``finish`` gives them."""
        return [d for tgid in list(self.streams) for d in self.finish(tgid)]

    def _bad(self, line: bytes, why: str) -> None:
        self.malformed += 1
        if not self.first_malformed:
            text = line.decode("utf-8", "replace")
            cut = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "..."
            self.first_malformed = f"{cut!r}: {why}"

    def _line(self, s: _Stream, tgid: int, raw: bytes) -> None:
        line = raw.rstrip(b"\r")
        if line.startswith(DECISION):
            self._decision(s, tgid, line)
        elif line.startswith(RESULT):
            self._result(s, line)

    def _decision(self, s: _Stream, tgid: int, line: bytes) -> None:
        rest = line[len(DECISION):].decode("utf-8", "replace").strip()
        head, _, tail = rest.partition(" ")
        category, _, name = head.partition("::")
        if not category or not name:
            return self._bad(line, "no category::name")
        tail = tail.strip()
        value = None
        if tail:
            if not tail.startswith("input="):
                return self._bad(line, "no input=")
            try:
                value = json.loads(tail[len("input="):])
            except ValueError:
                return self._bad(line, "its input is not JSON")
        tid, ts_ns, wall_ns = s.start
        s.open.append(TextDecision(tid, tgid, ts_ns, wall_ns, category, name, value))
        self.parsed += 1
        return None

    def _result(self, s: _Stream, line: bytes) -> None:
        rest = line[len(RESULT):].decode("utf-8", "replace").strip()
        name, sep, text = rest.partition(" = ")
        if not sep:
            name, sep, text = rest.partition("=")
        name = name.strip()
        if not sep or not name:
            return self._bad(line, "no 'name = value'")
        try:
            value = json.loads(text)
        except ValueError:
            return self._bad(line, "its value is not JSON")
        for i in range(len(s.open) - 1, -1, -1):  # the latest open decision of that name
            d = s.open[i]
            if d.name == name or f"{d.category}::{d.name}" == name:
                del s.open[i]
                d.result, d.has_result = value, True
                s.done.append(d)
                return None
        return self._bad(line, "no open decision of that name")
