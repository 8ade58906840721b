"""``--trace-transpiler-decisions``: the traced program's decisions, read from both of its forms.

A stage between the backend and the sinks. The text form comes from the program's own writes
to fd 2 (the backend captures their data, as ``-e write=2`` would); the binary form from the
folder it leaves behind (``--decisions-dir``, else ``.ruchy`` in its working directory). The
stage adds the calls it needs to the backend's trace set and takes out again what the user did
not ask for: writes outside ``-e trace=``, data dumps outside ``-e write=``.

Ordering: a process's decisions are handed on together just before its exit event (the spawned
command's binary form is read then), in the order they were made; each carries its own time, so
every output puts it where it belongs among the calls. See docs/decisions.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from ..config import Config
from ..events import DecisionEvent, Event, ExitEvent, SyscallEnter, SyscallEvent
from ..syscalls.format import s32
from .binary import RECORDS, BinaryDecision, BinaryForm, ManifestEntry, read_folder, read_manifest
from .ids import decision_id
from .text import StderrDecisions, TextDecision

if TYPE_CHECKING:
    from ..run import Tracer

WRITES = ("write", "writev", "pwrite64", "pwritev", "pwritev2")  # how a program puts bytes on fd 2
CWD_CALLS = ("chdir", "fchdir")  # where the binary form is looked for may move
STDERR = 2


def _plural(n: int, word: str, many: str = "") -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


class DecisionStage:
    """Reads decisions from the event stream and the program's files; see the module's docstring."""

    def __init__(self, config: Config, diag: TextIO | None) -> None:
        from ..arch import current

        self.config, self.diag = config, diag
        numbers = current().numbers
        self.writes = frozenset(numbers[n] for n in WRITES if n in numbers)
        self.cwd_calls = frozenset(numbers[n] for n in CWD_CALLS if n in numbers)
        self.user_trace = config.trace
        self.keep_io = config.dump_writes is None or STDERR in config.dump_writes
        self.dir = os.path.abspath(config.decisions_dir) if config.decisions_dir else None
        self.started_ns = time.time_ns()  # files older than the run are an earlier run's
        self.text = StderrDecisions()
        self.cwd: str | None = None
        self.offset_ns = time.time_ns() - time.monotonic_ns()  # wall minus monotonic, as events show it
        self.last = (time.monotonic_ns(), time.time_ns())
        self.form: BinaryForm | None = None
        self.manifest: dict[int, ManifestEntry] | None = None
        self.from_stderr = 0
        self.main_pid: int | None = None

    def tracer_config(self) -> Config:
        """The config the backend runs with: fd 2's writes traced and their data captured."""
        c = self.config
        trace = None if c.trace is None else c.trace | self.writes | self.cwd_calls
        dumps = None if c.dump_writes is None else c.dump_writes | {STDERR}
        return replace(c, trace=trace, dump_writes=dumps)

    # ---- the stream ---------------------------------------------------------------------

    def events(self, stream: Iterator[Event], tracer: Tracer) -> Iterator[Event]:
        """``stream`` with the decisions among its events, and without what only this stage needed."""
        try:
            for ev in stream:
                if self.main_pid is None:
                    self.main_pid = self._main(tracer)
                if self.cwd is None or (isinstance(ev, SyscallEvent) and ev.nr in self.cwd_calls):
                    self._follow_cwd(ev)
                if isinstance(ev, SyscallEvent):
                    self.offset_ns = ev.enter_wall_ns - ev.enter_ns
                    self.last = (ev.exit_ns, ev.enter_wall_ns + ev.exit_ns - ev.enter_ns)
                    if ev.nr in self.writes:
                        self._written(ev)
                elif isinstance(ev, ExitEvent):
                    self.offset_ns, self.last = ev.wall_ns - ev.ts_ns, (ev.ts_ns, ev.wall_ns)
                    if ev.leader:
                        yield from self._release(self.text.finish(ev.tgid), ev.tgid == self.main_pid)
                if (self.user_trace is not None and isinstance(ev, (SyscallEnter, SyscallEvent))
                        and ev.nr not in self.user_trace):
                    continue  # traced only for the decisions: -e trace= left it out
                yield ev
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # closed early: the backend lets its tracees go at once
        yield from self._release(self.text.finish_all(), self.form is None)
        self._report()

    def _main(self, tracer: Tracer) -> int | None:
        pid = getattr(tracer, "main_pid", None)
        return pid if pid is not None else (self.config.pids[0] if self.config.pids else None)

    def _follow_cwd(self, ev: Event) -> None:
        """The main process's working directory, read while it lives (its binary form is relative to it)."""
        main = self.main_pid
        if main is None or getattr(ev, "tgid", main) != main:
            return
        try:
            self.cwd = os.readlink(f"/proc/{main}/cwd")
        except OSError:
            pass

    def _written(self, ev: SyscallEvent) -> None:
        """A write: its bytes to the text form when they went to fd 2; its dump kept only if asked for."""
        if s32(ev.args[0]) != STDERR or not ev.io:
            return
        if ev.retval is not None and ev.retval > 0 and not ev.unfinished:
            # what was written, not what was offered
            data = b"".join(block.data for block in ev.io)[:ev.retval]
            self.text.feed(ev.tgid, ev.tid, data, ev.enter_ns, ev.enter_wall_ns)
        if not self.keep_io:
            object.__setattr__(ev, "io", ())  # no sink has seen it yet (as enrich fills frames in)

    # ---- decisions out ------------------------------------------------------------------

    def _folder(self) -> str | None:
        if self.dir is not None:
            return self.dir
        return os.path.join(self.cwd, ".ruchy") if self.cwd else None

    def _lookup(self) -> dict[int, ManifestEntry] | None:
        """The manifest, once one written during this run can be read."""
        if self.manifest is None and self.form is None and (folder := self._folder()) is not None:
            probe = BinaryForm(folder)
            read_manifest(folder, self.started_ns, probe)
            self.manifest = probe.manifest  # problems are reported when the form itself is read
        return self.manifest

    def _release(self, found: list[TextDecision], main_ended: bool) -> Iterator[DecisionEvent]:
        """A process's decisions (and, when the spawned command ended, its binary form), in time order."""
        out: list[DecisionEvent] = []
        if main_ended and self.form is None:
            folder = self._folder()
            self.form = read_folder(folder, self.started_ns) if folder is not None else BinaryForm("")
            if self.form.manifest is not None:
                self.manifest = self.form.manifest
            out += [self._from_record(r) for r in self.form.records]
        if found:
            manifest = self._lookup()
            out += [self._from_text(d, manifest) for d in found]
            self.from_stderr += len(found)
        out.sort(key=lambda d: d.ts_ns)
        yield from out

    def _from_text(self, d: TextDecision, manifest: dict[int, ManifestEntry] | None) -> DecisionEvent:
        same = [e for e in (manifest or {}).values() if (e.category, e.name) == (d.category, d.name)]
        src = same[0].source if len(same) == 1 else None  # the text form names no place: the manifest may
        file, line, column = (src.file, src.line, src.column) if src else ("", 0, 0)
        return DecisionEvent(d.tid, d.tgid, d.ts_ns, d.wall_ns, d.category, d.name,
                             decision_id(d.category, d.name, file, line), d.input, d.result, d.has_result,
                             file, line, column, "stderr")

    def _from_record(self, r: BinaryDecision) -> DecisionEvent:
        src = r.source
        entry = (self.manifest or {}).get(r.decision_id)
        if not (src.file or src.line) and entry is not None:
            src = entry.source
        pid = self.main_pid or 0  # the files name no process: the spawned command's
        if r.wall_ns:  # the program's own clock (wall): onto the run's monotonic one
            wall, mono = r.wall_ns, r.wall_ns - self.offset_ns
        else:
            mono, wall = self.last
        return DecisionEvent(pid, pid, mono, wall, r.category, r.name, r.decision_id, r.input, r.result,
                             r.has_result, src.file, src.line, src.column, "msgpack")

    # ---- the report ---------------------------------------------------------------------

    def _report(self) -> None:
        if self.diag is None:
            return
        form = self.form or BinaryForm(self._folder() or "")
        lines = [f"renacer: decisions: {problem}" for problem in form.problems]
        if self.dir is not None and not os.path.isdir(self.dir):
            lines.insert(0, f"renacer: decisions: cannot read --decisions-dir {self.config.decisions_dir}: "
                            f"{'not a directory' if os.path.exists(self.dir) else 'no such directory'}")
        where = (os.path.join(form.folder, RECORDS) if form.folder
                 else "a binary form (no working directory seen)")
        binary = f"{len(form.records)} from {where}" if form.found else f"none from {where}"
        text = self.text
        summary = (f"renacer: decisions: {self.from_stderr} from stderr, {binary}; "
                   f"{_plural(text.malformed, 'malformed line')}")
        if text.first_malformed:
            summary += f" (first: {text.first_malformed})"
        if form.bad_records:
            summary += f"; {_plural(form.bad_records, 'record')} without a category and a name"
        summary += f"; {_plural(len(form.mismatches), 'id mismatch', 'id mismatches')}"
        if form.mismatches:
            summary += f" (first: {form.mismatches[0]})"
        lines.append(summary)
        self.diag.write("".join(line + "\n" for line in lines))
        self.diag.flush()
