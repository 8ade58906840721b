"""The event model: what backends produce and sinks consume. Nothing else crosses that line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .syscalls.dump import IoBlock


def entry_part(entry_text: tuple[str, ...], has_exit_args: bool, joint: str) -> str:
    """The arguments strace prints at entry, with the ', ' it leaves for the exit part."""
    text = ", ".join(entry_text)
    return f"{text}, " if has_exit_args and joint == "entry" and entry_text else text


def exit_part(exit_text: tuple[str, ...], after_entry: bool, joint: str) -> str:
    """The arguments strace prints at exit, led by ', ' when the joint is there."""
    text = ", ".join(exit_text)
    return f", {text}" if joint == "exit" and exit_text and after_entry else text


def args_text(entry_text: tuple[str, ...], exit_text: tuple[str, ...], joint: str) -> str:
    """All arguments as one string, as in a finished strace line."""
    return entry_part(entry_text, bool(exit_text), joint) + exit_part(exit_text, bool(entry_text), joint)


@dataclass(frozen=True, slots=True)
class StackFrame:
    """One frame of a stack as the backend captured it: an address and the module mapped there."""

    addr: int  # absolute: the pc for the innermost frame, the return address for each caller
    module: str  # the file mapped at addr; '[vdso]' for the vDSO; '' when nothing is mapped there
    build_id: str  # the module's GNU build-id in hex; '' when it has none
    offset: int  # addr in the module's own (link-time) addresses: addr - the module's load bias


PYTHON = "[python]"  # the module of a frame read from a Python interpreter's own frame stack


@dataclass(frozen=True, slots=True)
class SourceFrame:
    """One symbolized frame: the function, and the source line the call was made from."""

    module: str
    offset: int  # the module-relative address looked up (a caller's return address minus one)
    function: str  # demangled; '' when unknown
    file: str  # '' when the module has no line information there
    line: int  # 0 when unknown
    inlined: bool = False  # an inlined callee: shares its address with the frame after it (a Python
    # frame: run by the same evaluation-loop call as its caller, as CPython 3.11+ runs Python calls)
    symbol: str = ""  # the ELF/DWARF symbol containing offset, for -k's 'symbol+0x1f' ('' for inlined)
    symbol_offset: int = 0  # offset - the symbol's start
    # --transpiler-map: file, line and function above are the original source's; these the generated code's
    mapping: str = ""  # '' (not mapped), 'exact' (the line is in the map), 'approximate' (an earlier line is)
    generated_file: str = ""
    generated_line: int = 0
    generated_function: str = ""


@dataclass(frozen=True, slots=True)
class SyscallEnter:
    """A syscall has started; carries the arguments strace prints on entry.

    Sinks that render lines as they happen (text) use it to show a call that blocks;
    ``SyscallEvent`` repeats everything, so other sinks may ignore it.
    """

    tid: int
    tgid: int
    nr: int
    name: str
    args: tuple[int, ...]
    entry_text: tuple[str, ...]  # decoded arguments known at entry
    has_exit_args: bool  # more arguments follow at exit
    ts_ns: int  # CLOCK_MONOTONIC at the entry stop
    wall_ns: int  # CLOCK_REALTIME at the entry stop
    joint: str = "entry"  # where ', ' between entry and exit arguments goes (see entry_part)
    ip: int = 0  # the instruction pointer at entry (-i); 0 when not captured


@dataclass(frozen=True, slots=True)
class SyscallEvent:
    """A finished (or unfinished) syscall: entry and exit merged."""

    tid: int
    tgid: int
    nr: int
    name: str
    args: tuple[int, ...]
    entry_text: tuple[str, ...]
    exit_text: tuple[str, ...]  # decoded arguments known only at exit
    retval: int | None  # None when the call never returned (process died, exec'd away)
    error: int  # errno (positive) when the call failed, else 0
    ret_text: str  # strace's rendering after ' = ': '3', '-1 ENOENT (No such file or directory)', '?'
    enter_ns: int
    exit_ns: int
    enter_wall_ns: int
    unfinished: bool = False  # the call never returned to the tracee
    reason: str = ""  # why it is unfinished: 'exit' (task died), 'detached', 'superseded' (exec)
    joint: str = "entry"  # where ', ' between entry and exit arguments goes (see entry_part)
    ip: int = 0  # the instruction pointer at entry (-i); 0 when not captured
    io: tuple[IoBlock, ...] = ()  # the data moved, for -e read= / -e write= dumps
    stack: tuple[StackFrame, ...] = ()  # captured at entry when a source option asks for it
    unwound: str = ""  # how the stack was walked: 'cfi', 'frame-pointer fallback', 'truncated stack'
    frames: tuple[SourceFrame, ...] = ()  # the stack symbolized (enrich), innermost first, inlines expanded
    source: SourceFrame | None = None  # the innermost frame in the user's own code (enrich)
    located: str = ""  # how source was found: 'exact', 'inlined', 'frame-pointer fallback', ...
    # a Python program's own frames at entry (module PYTHON), innermost first, read from the interpreter
    pystack: tuple[SourceFrame, ...] = ()

    @property
    def duration_ns(self) -> int:
        return self.exit_ns - self.enter_ns


@dataclass(frozen=True, slots=True)
class SignalEvent:
    """A signal was delivered to a tracee (``--- SIGCHLD {...} ---``)."""

    tid: int
    tgid: int
    signo: int
    signame: str
    siginfo_text: str  # '{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}'
    ts_ns: int
    wall_ns: int
    ip: int = 0  # where the signal found the task (-i); 0 when not captured


@dataclass(frozen=True, slots=True)
class StopEvent:
    """A tracee entered a group-stop (``--- stopped by SIGSTOP ---``)."""

    tid: int
    tgid: int
    signo: int
    signame: str
    ts_ns: int
    wall_ns: int


@dataclass(frozen=True, slots=True)
class ExitEvent:
    """A task ended: ``+++ exited with N +++`` or ``+++ killed by SIG +++``."""

    tid: int
    tgid: int
    exit_code: int | None  # set when the task exited normally
    signo: int | None  # set when a signal killed it
    signame: str | None
    core_dumped: bool
    ts_ns: int
    wall_ns: int
    leader: bool = True  # False for a thread other than the group leader


@dataclass(frozen=True, slots=True)
class ProcessEvent:
    """Attach/detach notices (``Process N attached``), silenced by -q."""

    tid: int
    kind: str  # 'attached' | 'detached' | 'superseded'
    ts_ns: int
    wall_ns: int
    detail: str = ""  # 'child' for a task followed by -f; the former tid for 'superseded'



@dataclass(frozen=True, slots=True)
class LostEvent:
    """Events the kernel had to drop (the eBPF ring buffer was full): ``LOST n events``."""

    count: int  # events dropped since the previous LostEvent
    ts_ns: int
    wall_ns: int


@dataclass(frozen=True, slots=True)
class SyscallTotals:
    """One syscall's calls, errors and time, added up in the kernel (eBPF ``-c``), for a summary.

    ``histogram[i]`` counts the calls whose duration in ns had bit length i (0 ns in slot 0,
    1 ns in 1, 2-3 ns in 2, ...): percentiles from it are interpolated, and say so.
    """

    nr: int
    name: str
    calls: int
    errors: int
    total_ns: int
    min_ns: int
    max_ns: int
    histogram: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """A transpiler decision the traced program reported (``--trace-transpiler-decisions``).

    The text form comes from ``[DECISION]``/``[RESULT]`` lines the program wrote to its stderr;
    the binary form from the ``decisions.msgpack`` it left behind. One event per decision, with
    its result when one came.
    """

    tid: int
    tgid: int
    ts_ns: int  # CLOCK_MONOTONIC when the decision was made (its line written, or its timestamp_us)
    wall_ns: int  # CLOCK_REALTIME of the same moment
    category: str
    name: str
    decision_id: int  # FNV-1a 64 of category::name::file::line (see docs/decisions.md)
    input: Any = None  # a JSON value
    result: Any = None  # a JSON value; None with has_result False: no result came
    has_result: bool = False
    file: str = ""  # the decision's source location; '' when unknown
    line: int = 0
    column: int = 0
    origin: str = "stderr"  # 'stderr' (the text form) or 'msgpack' (the binary form)


Event = (SyscallEnter | SyscallEvent | SignalEvent | StopEvent | ExitEvent | ProcessEvent | LostEvent
         | SyscallTotals | DecisionEvent)
