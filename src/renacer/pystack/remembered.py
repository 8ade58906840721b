"""Remembered Python stacks: a thread's stack checked again with one read instead of walked again.

A walk's result depends only on a few words: the thread state's id and frame pointer, the
current-frame word of 3.11/3.12's C frame, each frame's link, code object, instruction and
owner, and each code object's type, name, file, line-table pointers and first lines. Those words
are read together (one ``process_vm_readv`` of the spans that hold them) and unpacked with
every other byte skipped; when the values are ones a walk over the same spans has seen, its
frames are the answer. Values differ whenever anything the walk depended on differs, so the
same frames at another line, or a code object replaced at the same address, is walked anew.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .frames import FrameWalker, PyFrame, Walked, picks

MAX_RESULTS = 256  # stacks remembered for one set of spans (the lines of one loop, say)
SHAPES_PER_FRAME = 4  # sets of spans remembered per innermost frame address (sibling calls share it)
MAX_FRAMES = 64  # innermost frame addresses remembered per thread
MAX_THREADS = 4096
NEAR = 512  # pieces closer than this are read as one span (the bytes between are read and skipped)


@lru_cache(maxsize=256)
def _layout(fmt: str) -> struct.Struct:
    return struct.Struct(fmt)


@dataclass(slots=True)
class Shape:
    """The words one walk depended on, how to read them, and the stacks seen for values read there."""

    spans: tuple  # what it was made from: (thread state, C frame, frame addresses, code addresses)
    gathered: Any  # the reader's handle for the spans (``MemoryReader.gather``)
    layout: struct.Struct
    results: dict[tuple[int, ...], tuple[PyFrame, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class _Thread:
    last: Shape  # the shape of the thread's last stack, tried first
    by_frame: dict[int, list[Shape]]  # shapes by their innermost frame's address, latest first


def _regions(first: list[tuple[int, int, str]], pieces: list[tuple[int, int, str]]) -> tuple[tuple, str]:
    """Spans to read for (address, size, format) pieces, and the format of what they read: the
    ``first`` pieces each alone and in order (their values lead), the rest by address with
    neighbours less than NEAR bytes apart read as one span (frames sit side by side in a thread's
    data stack), so a read takes a few iovecs rather than one per frame and code object."""
    spans = [(addr, size) for addr, size, _ in first]
    fmt = "<" + "".join(code for _, _, code in first)
    start = end = -1
    for addr, size, code in sorted(pieces):
        if start >= 0 and end <= addr < end + NEAR:
            fmt += (f"{addr - end}x" if addr > end else "") + code
            end = addr + size
            continue
        if start >= 0:
            spans.append((start, end - start))
        start, end = addr, addr + size
        fmt += code
    spans.append((start, end - start))
    return tuple(spans), fmt


class Remembered:
    """The remembered stacks of one process's threads, by thread id."""

    def __init__(self, walker: FrameWalker, id_at: int, frame_at: int, cframe_at: int) -> None:
        o = walker.o
        self.state = picks([(id_at, "Q"), (frame_at, "Q")])
        self.cframe_at = cframe_at  # where 3.11/3.12's C frame holds the current frame (-1: none)
        # where the innermost frame's address is among the values read: the C frame's word, or
        # the thread state's frame field (which of its two fields comes first depends on offsets)
        self.inner = 2 if cframe_at >= 0 else int(frame_at > id_at)
        self.frame = (walker.layout.format.lstrip("<"), walker.layout.size)
        code = [(o.ob_type, "Q"), (o.co_filename, "Q"), (walker.codes.name_at, "Q"), (o.co_linetable, "Q"),
                (o.co_firstlineno, "i")]
        if o.co_firsttraceable >= 0:
            code.append((o.co_firsttraceable, "i"))
        self.code = picks(code)
        self.threads: dict[int, _Thread] = {}

    def lookup(self, memory: Any, tid: int) -> tuple[PyFrame, ...] | None:
        """The thread's stack, if the words a walk read hold values seen before: one read when the
        stack is shaped like the last one, one more for each other shape tried (those whose innermost
        frame is where the thread's is now)."""
        thread = self.threads.get(tid)
        if thread is None:
            return None
        shape = thread.last
        raw = memory.read_gather(shape.gathered)
        if raw is None:
            return None
        values = shape.layout.unpack(raw)
        found = shape.results.get(values)
        if found is not None:
            return found
        for other in thread.by_frame.get(values[self.inner], ()):  # the frame it is in now was seen
            if other is shape:
                continue
            raw = memory.read_gather(other.gathered)
            found = other.results.get(other.layout.unpack(raw)) if raw is not None else None
            if found is not None:
                thread.last = other
                return found
        return None

    def keep(self, memory: Any, tid: int, tstate: int, cframe: int, walked: Walked,
             frames: tuple[PyFrame, ...]) -> None:
        """Remember a walk's frames under the values of the words it read (read again, at once: the
        process is stopped, so they are the values the walk saw)."""
        if not walked.frames:
            return
        state = (tstate, self.state[1], self.state[0])
        pieces = [(addr, self.frame[1], self.frame[0]) for addr in walked.frames]
        pieces += [(addr, self.code[1], self.code[0]) for addr in walked.codes]
        key = (tstate, cframe, walked.frames, walked.codes)
        thread = self.threads.get(tid)
        inner = walked.frames[0]
        shapes = thread.by_frame.setdefault(inner, []) if thread is not None else []
        shape = next((known for known in shapes if known.spans == key), None)
        if shape is None:
            first = [state, (cframe + self.cframe_at, 8, "Q")] if self.cframe_at >= 0 else [state]
            spans, fmt = _regions(first, pieces)
            shape = Shape(key, memory.gather(spans), _layout(fmt))
            if thread is None:
                if len(self.threads) >= MAX_THREADS:
                    self.threads.clear()
                thread = self.threads[tid] = _Thread(shape, {inner: shapes})
            elif len(thread.by_frame) > MAX_FRAMES:
                thread.by_frame = {inner: shapes}
            shapes.insert(0, shape)
            del shapes[SHAPES_PER_FRAME:]
        elif len(shape.results) >= MAX_RESULTS:
            shape.results.clear()
        raw = memory.read_gather(shape.gathered)  # one read: cheaper than piecing it from the walk's pages
        if raw is None:
            return
        thread.last = shape
        shape.results[shape.layout.unpack(raw)] = frames
