"""``--format json`` and ``--format csv``: the trace as records instead of strace's text."""

from __future__ import annotations

import csv
import time
from typing import TextIO

from .. import __version__
from ..config import Config
from ..events import Event, SyscallEnter, SyscallEvent, args_text
from ..recording import TRACE_FIELDS, dumps, event_record, footer_record, header_record
from ..syscalls.xlat.errno_table import ERRNOS
from ..tracecontext import TraceIds, header_fields, new_id


class JsonLinesSink:
    """Writes the canonical recording (schema renacer-trace/1): header, events, footer."""

    def __init__(self, config: Config, out: TextIO, arch: str, owned: bool = False,
                 ids: TraceIds | None = None, header: dict | None = None) -> None:
        """``ids``: the run's trace context (the header names its trace and span); ``header``: the header
        of the recording a replay rewrites, whose trace context is kept. Neither: fresh ids."""
        self.out, self.owned = out, owned
        self.entered: dict[int, bool] = {}  # tid -> the open call's has_exit_args
        self.events = self.syscalls = self.errors = 0
        self.exit_status: int | None = None  # set by the run before close
        command = list(config.command)
        if ids is not None:
            trace = header_fields(ids)
        elif header is not None:  # a replay: the recorded run's place in its trace, if it had one
            trace = {k: header[k] for k in (*TRACE_FIELDS, "merged") if k in header}
        else:
            trace = header_fields(TraceIds(new_id(128), new_id(64), None))
        out.write(dumps(header_record(command, list(config.pids), arch, __version__, time.time_ns(), trace)))

    def handle(self, ev: Event) -> None:
        """Write one event's record (a call's entry waits for its exit: one record a call)."""
        if isinstance(ev, SyscallEnter):
            self.entered[ev.tid] = ev.has_exit_args
            return
        is_call = isinstance(ev, SyscallEvent)
        entered = is_call and ev.tid in self.entered
        has_exit = self.entered.pop(ev.tid, False) if is_call else False
        record = event_record(ev, entered, has_exit)
        if record is None:
            return
        self.events += 1
        if isinstance(ev, SyscallEvent):
            self.syscalls += 1
            self.errors += bool(ev.error)
        self.out.write(dumps(record))

    def close(self) -> None:
        """Write the footer (totals, the command's exit status) and close an owned file."""
        self.out.write(dumps(footer_record(self.events, self.syscalls, self.errors, self.exit_status)))
        self.out.flush()
        if self.owned:
            self.out.close()


CSV_FIELDS = (
    "tid", "tgid", "name", "nr", "args", "retval", "errno", "error", "result", "enter_wall_ns",
    "enter_ns", "exit_ns", "duration_ns", "unfinished", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5",
    "source_file", "source_line", "source_function", "located",  # --source: the user's line, and how found
)


class CsvSink:
    """One RFC 4180 row per syscall, after a header row."""

    def __init__(self, out: TextIO, owned: bool = False) -> None:
        self.out, self.owned = out, owned
        self.exit_status: int | None = None
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(CSV_FIELDS)

    def handle(self, ev: Event) -> None:
        """A row for each finished (or unfinished) syscall; other events have no row."""
        if not isinstance(ev, SyscallEvent):
            return
        errno = ERRNOS[ev.error][0] if ev.error in ERRNOS else ""
        raw = [str(a) for a in ev.args] + [""] * (6 - len(ev.args))
        self.writer.writerow([
            ev.tid, ev.tgid, ev.name, ev.nr, args_text(ev.entry_text, ev.exit_text, ev.joint),
            "" if ev.retval is None else ev.retval, errno, ev.error, ev.ret_text, ev.enter_wall_ns,
            ev.enter_ns, ev.exit_ns, ev.exit_ns - ev.enter_ns, int(ev.unfinished), *raw[:6],
            *((src.file, src.line, src.function) if (src := ev.source) else ("", "", "")), ev.located,
        ])

    def close(self) -> None:
        """Flush, and close an owned file."""
        self.out.flush()
        if self.owned:
            self.out.close()
