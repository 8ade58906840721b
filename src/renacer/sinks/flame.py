"""``--flamegraph FILE``: syscall stacks weighted by the time spent in each syscall.

The file's extension picks the format: ``.folded``/``.txt`` (Brendan Gregg's folded stacks),
``.svg`` (a self-contained interactive flamegraph) or ``.speedscope.json`` (speedscope's file
format). Weights are integer nanoseconds of syscall time, so they add up exactly. Frames are
function names, outermost first; the leaf is the syscall; a call without a stack is
``[unknown];syscall``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from ..errors import RenacerError
from ..events import Event, SourceFrame, SyscallEvent

UNKNOWN = "[unknown]"
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"

# XML 1.0 forbids some, terminals obey others, splitlines() breaks on the rest: each becomes '?'
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with control characters and lone surrogates (undecodable bytes) replaced by '?'."""
    return _UNPRINTABLE.sub("?", text)


def frame_name(frame: SourceFrame) -> str:
    """What a frame is called in profiles: its function, else its symbol, else ``module+0xoffset``."""
    if frame.function:
        return clean(frame.function)
    if frame.symbol:
        return clean(frame.symbol)
    if frame.module:
        return f"{clean(os.path.basename(frame.module))}+0x{frame.offset:x}"
    return UNKNOWN


def finished(ev: Event) -> SyscallEvent | None:
    """``ev`` when it is a syscall that returned (the calls profiles weigh), else None."""
    if isinstance(ev, SyscallEvent) and ev.retval is not None and not ev.unfinished:
        return ev
    return None


@dataclass(frozen=True, slots=True)
class Stack:
    """One distinct stack: function names outermost first, then the syscall at the leaf."""

    frames: tuple[str, ...]  # empty when no stack was captured or symbolized
    syscall: str

    def names(self) -> tuple[str, ...]:
        """The folded path, root first, ``[unknown]`` standing in for a missing stack."""
        return (*(self.frames or (UNKNOWN,)), clean(self.syscall) or UNKNOWN)


@dataclass
class StackWeights:
    """Syscall time per distinct stack, in nanoseconds, in the order stacks were first seen."""

    weights: dict[Stack, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # a function's source file (speedscope's 'file')

    def add(self, ev: SyscallEvent) -> None:
        """Weigh one finished call by its duration."""
        frames = tuple(reversed(ev.frames))
        names = tuple(frame_name(f) for f in frames)
        for f, name in zip(frames, names, strict=True):
            if f.file:
                self.files.setdefault(name, clean(f.file))
        stack = Stack(names, ev.name)
        self.weights[stack] = self.weights.get(stack, 0) + max(ev.exit_ns - ev.enter_ns, 0)


def folded(stacks: StackWeights) -> str:
    """Brendan Gregg's folded format: ``root;...;leaf weight`` a line, sorted, weights in ns."""
    # ';' separates frames, so one inside a name (Rust's '[u8; 4]') becomes ':'
    lines = sorted(f"{';'.join(n.replace(';', ':') for n in s.names())} {w}"
                   for s, w in stacks.weights.items())
    return "".join(f"{ln}\n" for ln in lines)


def speedscope(stacks: StackWeights, name: str) -> str:
    """speedscope's file format: one 'sampled' profile, a sample per distinct stack, in nanoseconds."""
    from .. import __version__

    frames: list[dict] = []
    index: dict[tuple[str, bool], int] = {}  # (name, is the syscall leaf) -> index in shared.frames

    def frame(label: str, leaf: bool) -> int:
        key = (label, leaf)
        if key not in index:
            index[key] = len(frames)
            entry = {"name": label}
            if not leaf and label in stacks.files:
                entry["file"] = stacks.files[label]
            frames.append(entry)
        return index[key]

    samples, weights = [], []
    for stack, weight in stacks.weights.items():
        names = stack.names()
        samples.append([frame(n, False) for n in names[:-1]] + [frame(names[-1], True)])
        weights.append(weight)
    doc = {
        "$schema": SPEEDSCOPE_SCHEMA,
        "exporter": f"renacer@{__version__}",
        "name": name,
        "activeProfileIndex": 0,
        "shared": {"frames": frames},
        "profiles": [{
            "type": "sampled", "name": "syscall time", "unit": "nanoseconds",
            "startValue": 0, "endValue": sum(weights), "samples": samples, "weights": weights,
        }],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _svg(stacks: StackWeights, name: str) -> str:
    from .flame_svg import svg

    return svg(stacks, name)


# extension -> writer (stacks, title) -> the file's text; the longest matching extension wins
WRITERS: dict[str, Callable[[StackWeights, str], str]] = {
    ".speedscope.json": speedscope,
    ".folded": lambda stacks, _name: folded(stacks),
    ".txt": lambda stacks, _name: folded(stacks),
    ".svg": _svg,
}


def writer_for(path: str) -> Callable[[StackWeights, str], str]:
    """The writer ``path``'s extension asks for; RenacerError naming the supported ones otherwise."""
    lower = path.lower()
    for ext, write in WRITERS.items():
        if lower.endswith(ext) and len(os.path.basename(lower)) > len(ext):
            return write
    supported = ", ".join(WRITERS)
    raise RenacerError(f"--flamegraph {path}: unknown file type (supported: {supported})")


class FlameSink:
    """Adds up syscall time per stack; ``close`` writes the flamegraph file.

    The file is opened (created or truncated) at construction, so an unwritable path fails
    before anything is traced.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.write = writer_for(path)
        self.stacks = StackWeights()
        try:
            self.file: TextIO | None = open(path, "w", encoding="utf-8")  # written at close
        except OSError as e:
            raise RenacerError(f"cannot write flamegraph {path}: {e.strerror or e}") from None

    def handle(self, ev: Event) -> None:
        """Weigh one event (only finished syscalls count)."""
        call = finished(ev)
        if call is not None:
            self.stacks.add(call)

    def close(self) -> None:
        """Write the file; RenacerError when it cannot be written."""
        file, self.file = self.file, None
        if file is None:
            return
        try:
            with file:
                file.write(self.write(self.stacks, clean(os.path.basename(self.path))))
        except OSError as e:
            raise RenacerError(f"cannot write flamegraph {self.path}: {e.strerror or e}") from None
