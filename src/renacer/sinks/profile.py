"""``--function-time``: syscall time by user function, the hot call paths, and the call graph.

A call is charged to its ``source`` frame's function (the innermost frame in the user's own
code); calls without one go to a ``(no user frame)`` row. Hot paths and the call graph are
made of the user frames of each stack: the source frame and those of its callers that are
user code too, by the rule enrichment picks ``source`` with (``enrich.is_user_frame``);
library and runtime frames between them are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

from ..enrich import is_user_frame
from ..events import Event, SourceFrame, SyscallEvent
from .flame import clean, finished, frame_name

NO_USER_FRAME = "(no user frame)"
HOT_PATHS = 10  # hot paths listed
SLOW_IO_NS = 1_000_000  # an I/O call longer than this (strictly) flags its function

# the syscalls that count as I/O for the slow-I/O flag, by family
IO_FAMILIES: dict[str, tuple[str, ...]] = {
    "read": ("read", "pread64", "readv", "preadv", "preadv2"),
    "write": ("write", "pwrite64", "writev", "pwritev", "pwritev2"),
    "send": ("sendto", "sendmsg", "sendmmsg", "sendfile", "splice", "copy_file_range"),
    "recv": ("recvfrom", "recvmsg", "recvmmsg"),
    "open": ("open", "openat", "openat2", "creat", "open_by_handle_at"),
    "close": ("close", "close_range"),
    "sync": ("fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "msync"),
}
IO_SYSCALLS = frozenset(name for names in IO_FAMILIES.values() for name in names)


@dataclass(slots=True)
class FunctionStats:
    """What the syscalls charged to one user function added up to."""

    name: str
    module: str
    calls: int = 0
    total_ns: int = 0
    slowest_ns: int = -1
    slowest_syscall: str = ""
    slowest_at: str = ""  # 'file.c:42', the line that made the slowest call ('' when unknown)
    slow_io: int = 0  # I/O calls over SLOW_IO_NS

    def add(self, ev: SyscallEvent, duration_ns: int) -> None:
        self.calls += 1
        self.total_ns += duration_ns
        if duration_ns > self.slowest_ns:
            self.slowest_ns, self.slowest_syscall = duration_ns, clean(ev.name)
            src = ev.source
            self.slowest_at = f"{clean(os.path.basename(src.file))}:{src.line}" if src and src.file else ""
        if ev.name in IO_SYSCALLS and duration_ns > SLOW_IO_NS:
            self.slow_io += 1


@dataclass(slots=True)
class Tally:
    """Calls and syscall time of one hot path, one function of the call graph, or one of its edges."""

    calls: int = 0
    total_ns: int = 0

    def add(self, calls: int, ns: int) -> None:
        self.calls += calls
        self.total_ns += ns


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the profile prints, as numbers."""

    total_calls: int
    total_ns: int
    functions: list[FunctionStats]  # by time, largest first
    hot_paths: list[tuple[tuple[str, ...], Tally]]  # user functions outermost first; the top HOT_PATHS
    callers: list[tuple[str, Tally, list[tuple[str, Tally]]]]  # (caller, inclusive, [(callee, edge)])


def _user_stack(ev: SyscallEvent) -> tuple[SourceFrame, ...]:
    """The source frame and every frame outside it (its callers), innermost first."""
    src = ev.source
    if src is None:
        return ()
    for i, f in enumerate(ev.frames):
        if f == src:
            return ev.frames[i:]
    return (src,)


def _by_time(item: tuple[str, Tally]) -> tuple:
    return (-item[1].total_ns, -item[1].calls, item[0])


@dataclass
class ProfileSink:
    """Charges every finished syscall to a user function; ``close`` writes the profile to ``out``."""

    out: TextIO
    user_frame: Callable[[SourceFrame], bool] = is_user_frame  # whether a caller frame is user code
    functions: dict[tuple[str, str], FunctionStats] = field(default_factory=dict)
    # (syscall, the source frame and its callers) -> calls and time; cut into user paths at close
    stacks: dict[tuple[str, tuple[SourceFrame, ...]], Tally] = field(default_factory=dict)
    total_calls: int = 0
    total_ns: int = 0

    def handle(self, ev: Event) -> None:
        """Count one event (only finished syscalls count)."""
        call = finished(ev)
        if call is None:
            return
        duration = max(call.exit_ns - call.enter_ns, 0)
        self.total_calls += 1
        self.total_ns += duration
        src = call.source
        key = (frame_name(src), src.module) if src else (NO_USER_FRAME, "")
        stats = self.functions.get(key)
        if stats is None:
            stats = self.functions[key] = FunctionStats(*key)
        stats.add(call, duration)
        if src is not None:
            self.stacks.setdefault((call.name, _user_stack(call)), Tally()).add(1, duration)

    def report(self) -> Report:
        """The profile's numbers: function rows, hot paths and call graph."""
        names = self._display_names()
        paths: dict[tuple[str, ...], Tally] = {}
        inclusive: dict[str, Tally] = {}
        edges: dict[str, dict[str, Tally]] = {}
        for (syscall, stack), tally in self.stacks.items():
            frames = [f for f in reversed(stack[1:]) if self.user_frame(f)] + [stack[0]]
            path = tuple(names[(frame_name(f), f.module)] for f in frames)
            paths.setdefault(path, Tally()).add(tally.calls, tally.total_ns)
            for fn in set(path):  # once per call, however deep the recursion
                inclusive.setdefault(fn, Tally()).add(tally.calls, tally.total_ns)
            pairs = set(zip(path, path[1:], strict=False))
            pairs.add((path[-1], f"{clean(syscall)} [syscall]"))
            for caller, callee in pairs:
                edges.setdefault(caller, {}).setdefault(callee, Tally()).add(tally.calls, tally.total_ns)
        functions = [replace(s, name=names.get((s.name, s.module), s.name)) for s in sorted(
            self.functions.values(), key=lambda s: (-s.total_ns, -s.calls, s.name, s.module))]
        hot = sorted(paths.items(), key=lambda p: (-p[1].total_ns, -p[1].calls, p[0]))[:HOT_PATHS]
        callers = [(fn, t, sorted(edges[fn].items(), key=_by_time)) for fn, t in sorted(inclusive.items(),
                                                                                        key=_by_time)]
        return Report(self.total_calls, self.total_ns, functions, hot, callers)

    def _display_names(self) -> dict[tuple[str, str], str]:
        """A name per (function, module): the function's, with its module when another module has one."""
        seen: dict[str, int] = {}
        keys = set(self.functions) | {(frame_name(f), f.module) for _, stack in self.stacks for f in stack[1:]
                                      if self.user_frame(f)}
        for name, _ in keys:
            seen[name] = seen.get(name, 0) + 1
        return {(name, module): name if seen[name] == 1 or not module
                else f"{name} [{clean(os.path.basename(module))}]" for name, module in keys}

    def lines(self) -> list[str]:
        """The profile as text: the function table, the hot paths, the call graph."""
        rep = self.report()
        total = rep.total_ns

        def pct(ns: int) -> str:
            return f"{100.0 * ns / total if total else 0.0:6.2f}"

        at_w = max([2, *(len(s.slowest_at) for s in rep.functions)])
        lines = ["syscall time by user function"]
        lines += _table(
            [("% time", 6), ("seconds", 11), ("calls", 9), ("slow I/O", 8), ("longest", 8),
             ("syscall", -16), ("at", -at_w), ("function", 0)],
            [[pct(s.total_ns), f"{s.total_ns / 1e9:11.6f}", f"{s.calls:9d}", f"{s.slow_io or '':>8}",
              f"{s.slowest_ns / 1e9:8.6f}", s.slowest_syscall, s.slowest_at, s.name] for s in rep.functions],
            ["100.00" if total else pct(0), f"{total / 1e9:11.6f}", f"{rep.total_calls:9d}",
             f"{sum(s.slow_io for s in rep.functions) or '':>8}",
             f"{max([0, *(s.slowest_ns for s in rep.functions)]) / 1e9:8.6f}", "", "", "total"])
        if rep.functions and not rep.callers:
            lines.append("(no call had a user frame: were stacks captured, with debug information?)")
        lines += ["", f"hot paths (top {HOT_PATHS} by time; user functions, outermost first)"]
        lines += _table(
            [("% time", 6), ("seconds", 11), ("calls", 9), ("path", 0)],
            [[pct(t.total_ns), f"{t.total_ns / 1e9:11.6f}", f"{t.calls:9d}", " -> ".join(p)]
             for p, t in rep.hot_paths])
        lines += ["", "call graph (each caller, then what it called and the syscall time spent through it)"]
        rows: list[list[str]] = []
        for caller, tally, callees in rep.callers:
            rows.append([pct(tally.total_ns), f"{tally.total_ns / 1e9:11.6f}", f"{tally.calls:9d}", caller])
            rows += [[pct(t.total_ns), f"{t.total_ns / 1e9:11.6f}", f"{t.calls:9d}", f"    -> {callee}"]
                     for callee, t in callees]
        lines += _table([("% time", 6), ("seconds", 11), ("calls", 9), ("function", 0)], rows)
        return lines

    def close(self) -> None:
        """Write the profile."""
        self.out.write("".join(f"{ln}\n" for ln in self.lines()))
        self.out.flush()


def _table(columns: list[tuple[str, int]], rows: list[list[str]],
           total: list[str] | None = None) -> list[str]:
    """Aligned columns as strace's -c table: a width > 0 right-aligns, < 0 left-aligns, 0 is the last."""

    def fill(text: str, w: int) -> str:
        return text.rjust(w) if w > 0 else text.ljust(-w)

    def line(cells: list[str]) -> str:
        return " ".join(fill(c, w) for c, (_, w) in zip(cells, columns, strict=True)).rstrip()

    rule = line(["-" * max(abs(w), len(h)) for h, w in columns])
    out = [line([h for h, _ in columns]), rule, *(line(r) for r in rows)]
    if total is not None:
        out += [rule, line(total)]
    return out
