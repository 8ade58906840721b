"""Enrichment: each syscall's captured stack turned into source frames, and the user's own line picked.

The backend captures raw return addresses (``SyscallEvent.stack``); here they become
``frames`` (innermost first, inlined callees expanded) and ``source``, the innermost frame in
the user's own code. The same step runs on a live trace and on a recording (``--input``).
At the end, one line says how many calls were attributed and why the others were not.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import TextIO

from .config import Config
from .events import Event, SourceFrame, SyscallEvent

# Code that is not the user's: the system's libraries, the vDSO, and the source trees of the
# language runtimes that get compiled or inlined into the user's binary.
_SYSTEM_MODULE_DIRS = ("/lib/", "/lib32/", "/lib64/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/",
                       "/usr/libexec/")
_ATTRIBUTED = ("exact", "inlined", "frame-pointer fallback")
_RUNTIME_SOURCES = (
    "/rustc/",  # Rust's std, core and alloc, as rustc's own debug info names them
    "/library/std/", "/library/core/", "/library/alloc/", "/library/panic_", "/library/backtrace/",
    "/.rustup/", "/.cargo/registry/", "/.cargo/git/",  # the toolchain and third-party crates
    "/usr/include/",  # glibc's and the C++ runtime's headers (inline wrappers, templates)
    "/build/glibc", "../sysdeps/", "/usr/src/",  # the C library's own sources
)


def is_user_frame(frame: SourceFrame) -> bool:
    """Whether a frame is in the user's own code: a line of a source that is not a runtime's."""
    if not frame.file or not frame.module or frame.module.startswith("["):
        return False  # no line, no mapping, or the vDSO
    if frame.module.startswith(_SYSTEM_MODULE_DIRS):
        return False
    path = frame.file if frame.file.startswith("/") else "/" + frame.file
    return not any(marker in path for marker in _RUNTIME_SOURCES)


def located(source: SourceFrame | None, unwound: str, frames: tuple[SourceFrame, ...]) -> str:
    """How a call's source was found, or why it was not."""
    if source is None:
        if unwound == "truncated stack":
            return "truncated stack"
        return "no user frame" if any(f.file for f in frames) else "no debug info"
    if unwound == "frame-pointer fallback":
        return "frame-pointer fallback"
    return "inlined" if source.inlined else "exact"


class Enricher:
    """Symbolizes the stacks of one run's syscalls (a live trace or a recording)."""

    def __init__(self, config: Config, diag: TextIO | None) -> None:
        from .source.symbolize import Symbolizer

        self.symbolizer = Symbolizer()
        self.diag = diag  # where the closing report goes (renacer's stderr; None: the Python API, silent)
        self.any_debug = config.source == "all"  # --source-all: any frame with a line will do
        # only --source needs no more than the frames up to the user's; the others use whole stacks
        self.whole = bool(config.stack_trace or config.function_time or config.flamegraph)
        self.report = bool(config.source)
        self.outcomes: Counter[str] = Counter()

    def apply(self, ev: Event) -> Event:
        """The event with its frames and source filled in (other events pass unchanged)."""
        if not isinstance(ev, SyscallEvent) or not ev.stack:
            return ev
        frames: list[SourceFrame] = []
        source = None
        for captured in ev.stack:
            for frame in self.symbolizer.frames(captured):
                frames.append(frame)
                if source is None and (frame.file if self.any_debug else is_user_frame(frame)):
                    source = frame
            if source is not None and not self.whole:
                break
        how = located(source, ev.unwound, tuple(frames))
        self.outcomes[how] += 1
        return dataclasses.replace(ev, frames=tuple(frames), source=source, located=how)

    def close(self) -> None:
        """Save the symbol tables built, and report what could not be attributed."""
        self.symbolizer.close()
        if self.diag is None:
            return
        for problem in self.symbolizer.problems():
            self.diag.write(f"renacer: {problem}\n")
        total = sum(self.outcomes.values())
        if self.report and total:
            found = sum(self.outcomes[how] for how in _ATTRIBUTED)
            rest = ", ".join(f"{n} {why}" for why, n in self.outcomes.most_common() if why not in _ATTRIBUTED)
            self.diag.write(f"renacer: source: {100.0 * found / total:.1f}% of {total} syscalls attributed"
                            f"{'; ' + rest if rest else ''}\n")
        self.diag.flush()
