"""Enrichment: each syscall's captured stack turned into source frames, and the user's own line picked.

The backend captures raw return addresses (``SyscallEvent.stack``); here they become
``frames`` (innermost first, inlined callees expanded) and ``source``, the innermost frame in
the user's own code. With ``--transpiler-map``, frames in a generated file become frames of the
original source (``source/transpiler.py``). The same step runs on a live trace and on a
recording (``--input``). At the end, one line says how many calls were attributed and why the
others were not, and with maps one more says how many of those the maps took back to the original.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TextIO

from .config import Config
from .events import PYTHON, Event, SourceFrame, StackFrame, SyscallEvent

# Code that is not the user's: the system's libraries, the vDSO, and the source trees of the
# language runtimes that get compiled or inlined into the user's binary.
_SYSTEM_MODULE_DIRS = ("/lib/", "/lib32/", "/lib64/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/",
                       "/usr/libexec/")
# where Python's standard library and installed packages live: lib/python3.X/ (site-packages
# included) under any prefix, and Debian's /usr/lib/python3/dist-packages
_PYTHON_LIBRARIES = ("/lib/python3", "/lib64/python3", "/lib/pypy")
_NO_PYTHON_FRAME = "no Python frame (interpreter start-up or exit)"
_STACKS_KEPT = 4096  # enriched stacks remembered by identity
_ATTRIBUTED = ("exact", "inlined", "frame-pointer fallback")
_EVAL_FUNCTION = "_PyEval_EvalFrameDefault"  # CPython's evaluation loop: one call runs one run of frames
_RUNTIME_SOURCES = (
    "/rustc/",  # Rust's std, core and alloc, as rustc's own debug info names them
    "/library/std/", "/library/core/", "/library/alloc/", "/library/panic_", "/library/backtrace/",
    "/.rustup/", "/.cargo/registry/", "/.cargo/git/",  # the toolchain and third-party crates
    "/usr/include/",  # glibc's and the C++ runtime's headers (inline wrappers, templates)
    "/build/glibc", "../sysdeps/", "/usr/src/",  # the C library's own sources
)


def is_user_frame(frame: SourceFrame) -> bool:
    """Whether a frame is in the user's own code: a line of a source that is not a runtime's."""
    if frame.mapping:  # a transpiler map took it back to the user's original source
        return True
    if frame.module == PYTHON:  # not the standard library (frozen modules too), not an installed package;
        # code compiled from a string is the user's ('<string>' of python -c, '<stdin>', exec's own names)
        return bool(frame.file) and not frame.file.startswith("<frozen ") and not any(
            marker in frame.file for marker in _PYTHON_LIBRARIES)
    if not frame.file or not frame.module or frame.module.startswith("["):
        return False  # no line, no mapping, or the vDSO
    if frame.module.startswith(_SYSTEM_MODULE_DIRS):
        return False
    path = frame.file if frame.file.startswith("/") else "/" + frame.file
    return not any(marker in path for marker in _RUNTIME_SOURCES)


def located(source: SourceFrame | None, unwound: str, frames: tuple[SourceFrame, ...],
            outermost: str = "") -> str:
    """How a call's source was found, or why it was not (``outermost``: the last frame's module)."""
    if source is None:
        if unwound == "truncated stack" and not _is_loader(outermost):
            return "truncated stack"
        own = [f for f in frames if f.module and not f.module.startswith(("[", *_SYSTEM_MODULE_DIRS))]
        return "no debug info" if own and not any(f.file for f in own) else "no user frame"
    if unwound == "frame-pointer fallback":
        return "frame-pointer fallback"
    return "inlined" if source.inlined else "exact"


def user_python(frames: tuple[SourceFrame, ...]) -> SourceFrame | None:
    """The innermost Python frame of the user's code. Code compiled from a string ('<string>',
    '<stdin>', exec's names) counts when the user's code (or nothing: ``python -c``) ran it, not
    when the standard library did (site's exec of a .pth file's import line): what decides is the
    nearest caller that is not itself compiled from a string."""
    for at, frame in enumerate(frames):
        if is_user_frame(frame):
            if not _from_string(frame.file):
                return frame
            caller = next((f for f in frames[at + 1:] if not _from_string(f.file)), None)
            if caller is None or is_user_frame(caller):
                return frame
    return None


def _from_string(file: str) -> bool:
    """Whether a Python frame's code was compiled from a string (not a file, not a frozen module)."""
    return file.startswith("<") and not file.startswith("<frozen ")


def _is_loader(module: str) -> bool:
    """The dynamic loader: a stack that ends in it is the program's start-up, before any user code."""
    return module.rpartition("/")[2].startswith(("ld-linux", "ld.so", "ld64.so"))


class Enricher:
    """Symbolizes the stacks of one run's syscalls (a live trace or a recording)."""

    def __init__(self, config: Config, diag: TextIO | None) -> None:
        from .source.symbolize import Symbolizer

        self.symbolizer = Symbolizer()
        self.maps = None  # --transpiler-map: loaded and checked here, before anything is traced
        if config.transpiler_maps:
            from .source.transpiler import SourceMaps

            self.maps = SourceMaps.load(config.transpiler_maps)
        self.mapped: Counter[str] = Counter()  # attributed calls by their source's mapping ('' not mapped)
        self.diag = diag  # where the closing report goes (renacer's stderr; None: the Python API, silent)
        self.any_debug = config.source == "all"  # --source-all: any frame with a line will do
        # only --source needs no more than the frames up to the user's; the others use whole stacks
        self.whole = bool(config.stack_trace or config.function_time or config.flamegraph)
        self.report = bool(config.source)
        self.outcomes: Counter[str] = Counter()
        self._memo: dict[tuple[str, str, int], tuple[tuple[SourceFrame, ...], SourceFrame | None]] = {}
        # more to report at the end, asked for then (the backend's: an interpreter it could not read)
        self.notices: list[Callable[[], list[str]]] = []
        # whole stacks by identity: the unwinder hands back the same tuple for a walk it remembers
        self._stacks: dict[int, tuple] = {}

    @property
    def stack_stop(self) -> Callable[[StackFrame], bool] | None:
        """What the unwinder may stop at: the source frame, unless whole stacks are wanted."""
        return None if self.whole else self.ends_search

    def ends_search(self, captured: StackFrame) -> bool:
        """Whether a captured frame holds the source frame (the unwinder may stop there for --source)."""
        return self._resolved(captured)[1] is not None

    def apply(self, ev: Event) -> Event:
        """The event with its frames and source filled in (other events pass unchanged)."""
        if not isinstance(ev, SyscallEvent) or not (ev.stack or ev.unwound):
            return ev
        if ev.pystack or ev.unwound == "python":
            return self._python(ev)
        if ev.frames and self.maps is None and any(f.mapping for f in ev.frames):
            return self._recorded(ev)
        stack = ev.stack
        known = self._stacks.get(id(stack))
        if known is None or known[0] is not stack or known[1] != ev.unwound:
            known = self._enrich(stack, ev.unwound)
            if len(self._stacks) >= _STACKS_KEPT:
                self._stacks.clear()
            self._stacks[id(stack)] = known  # held, so its id is not reused while it is a key
        _, _, frames, source, how, outcome = known
        self.outcomes[outcome] += 1
        if source is not None:
            self.mapped[source.mapping] += 1
        # Filled in place, not copied: no sink has seen the event yet, and a copy costs a third of
        # the whole per-call price of --source (measured: 7 us of about 20).
        object.__setattr__(ev, "frames", frames)
        object.__setattr__(ev, "source", source)
        object.__setattr__(ev, "located", how)
        return ev

    def _recorded(self, ev: SyscallEvent) -> SyscallEvent:
        """A replayed call whose recorded frames a transpiler map named: kept as recorded, since
        symbolizing its stack again without the map (none given to this replay) would lose that."""
        start_up = ev.source is None and bool(ev.stack) and _is_loader(ev.stack[-1].module)
        self.outcomes["in runtime start-up, no user frame" if start_up else ev.located] += 1
        if ev.source is not None:
            self.mapped[ev.source.mapping] += 1
        return ev

    def _python(self, ev: SyscallEvent) -> SyscallEvent:
        """A Python program's call: its source is its innermost user Python frame."""
        known = self._stacks.get(id(ev.pystack))
        if known is None or known[0] is not ev.pystack:
            stack = ev.pystack
            source = next((f for f in stack if f.file), None) if self.any_debug else user_python(stack)
            known = (stack, source)
            if len(self._stacks) >= _STACKS_KEPT:
                self._stacks.clear()
            self._stacks[id(ev.pystack)] = known  # held, so its id is not reused while it is a key
        source = known[1]
        frames = ev.pystack
        if ev.stack:  # --stack=mixed: the native frames too, the Python ones at the interpreter's
            frames = mixed(self._enrich(ev.stack, ev.unwound)[2], ev.pystack)  # ...evaluation loop
        how = "exact" if source else "no user frame" if ev.pystack else "no Python frame"
        self.outcomes[_NO_PYTHON_FRAME if how == "no Python frame" else how] += 1
        object.__setattr__(ev, "frames", frames)
        object.__setattr__(ev, "source", source)
        object.__setattr__(ev, "located", how)
        return ev

    def _enrich(self, stack: tuple[StackFrame, ...], unwound: str) -> tuple:
        """A captured stack's source frames, its source, how that was located, and the tally's key."""
        frames: list[SourceFrame] = []
        source = None
        for captured in stack:
            symbolized, user = self._resolved(captured)
            frames += symbolized
            if source is None and user is not None:
                source = user
                if not self.whole:
                    break
        how = located(source, unwound, tuple(frames), stack[-1].module)
        start_up = source is None and _is_loader(stack[-1].module)
        outcome = "in runtime start-up, no user frame" if start_up else how
        return stack, unwound, tuple(frames), source, how, outcome

    def _resolved(self, captured: StackFrame) -> tuple[tuple[SourceFrame, ...], SourceFrame | None]:
        """A captured frame's source frames and the first of them that can be the source, memoized."""
        key = (captured.module, captured.build_id, captured.offset)
        known = self._memo.get(key)
        if known is None:
            frames = self.symbolizer.frames(captured)
            if self.maps is not None:  # once per address, like the symbolizing: free per call
                frames = self.maps.frames(frames)
            wanted = (lambda f: bool(f.file)) if self.any_debug else is_user_frame
            known = self._memo[key] = (frames, next((f for f in frames if wanted(f)), None))
        return known

    def close(self) -> None:
        """Save the symbol tables built, and report what could not be attributed."""
        self.symbolizer.close()
        if self.diag is None:
            return
        problems = self.symbolizer.problems() + [line for more in self.notices for line in more()]
        total = sum(self.outcomes.values())
        if self.report and total:  # one line: the share attributed, why the rest were not, what lacked
            found = sum(self.outcomes[how] for how in _ATTRIBUTED)
            rest = [f"{n} {why}" for why, n in self.outcomes.most_common() if why not in _ATTRIBUTED]
            self.diag.write(f"renacer: source: {100.0 * found / total:.1f}% of {total} syscalls attributed"
                            f"{''.join('; ' + x for x in rest + problems)}\n")
            if self.maps is not None or self.mapped.keys() - {""}:
                self.diag.write(self._mapped_line())
        else:
            self.diag.write("".join(f"renacer: {problem}\n" for problem in problems))
        self.diag.flush()

    def _mapped_line(self) -> str:
        """How many attributed calls a transpiler map took back to the original source."""
        attributed = sum(self.mapped.values())
        exact, approximate = self.mapped["exact"], self.mapped["approximate"]
        share = 100.0 * (exact + approximate) / attributed if attributed else 0.0
        return (f"renacer: source: {share:.1f}% of {attributed} attributed syscalls mapped to the original"
                f" source ({exact} exact, {approximate} approximate)\n")


def mixed(native: tuple[SourceFrame, ...], python: tuple[SourceFrame, ...]) -> tuple[SourceFrame, ...]:
    """Native frames with each Python frame placed at the evaluation-loop call that runs it.

    Python frames come in runs, innermost first, each ending with the frame an evaluation-loop
    call started with (the frames before it are ``inlined``: the same call ran them); the n-th
    run goes just before the n-th ``_PyEval_EvalFrameDefault`` frame, ahead of the functions
    inlined into it there. Runs left over (a native stack cut short) go at the end.
    """
    runs: list[list[SourceFrame]] = [[]]
    for frame in python:
        runs[-1].append(frame)
        if not frame.inlined:
            runs.append([])
    out: list[SourceFrame] = []
    at = start = 0  # start: where the frames sharing the current native frame's address begin
    for frame in native:
        if frame.function == _EVAL_FUNCTION and not frame.inlined and at < len(runs):
            out[start:start] = runs[at]
            at += 1
        out.append(frame)
        if not frame.inlined:
            start = len(out)
    for run in runs[at:]:
        out += run
    return tuple(out)
