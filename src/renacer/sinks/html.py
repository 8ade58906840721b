"""``--format html``: one self-contained page (summary, latency, timeline, files, errors, sources).

The sink collects while the trace runs and writes the page at ``close``; see docs/html-report.md.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import socket
import sys
import time
from datetime import datetime
from typing import Any, TextIO

from .. import __version__
from ..analysis.latency import PERCENTILES
from ..config import Config
from ..events import Event, SyscallEnter, SyscallEvent
from .html_data import ReportData
from .html_fds import FdTracker
from .html_page import page
from .profile import ProfileSink
from .summary import SummarySink

# a variable whose name contains one of these has its value replaced in the page
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|AUTH|CREDENTIAL|COOKIE|SESSION", re.I)
REDACTED = "[redacted]"


def redact(env: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(name, value, redacted) for each variable, sorted by name, secret-looking values hidden."""
    return [(name, REDACTED if (hidden := bool(SECRET_NAME.search(name))) else value, hidden)
            for name, value in sorted(env.items())]


def _process_environment(pid: int) -> dict[str, str] | None:
    """An attached process's environment from /proc (None when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    pairs = (item.decode("utf-8", "surrogateescape").partition("=") for item in raw.split(b"\0") if item)
    return {name: value for name, _, value in pairs}


def environment(config: Config, header: dict | None) -> tuple[dict[str, str] | None, str]:
    """The traced program's environment, and where it came from (or why it is missing)."""
    if header is not None:
        env = header.get("env")
        if isinstance(env, dict):
            return {str(k): str(v) for k, v in env.items()}, "from the recording's header"
        return None, "not recorded: the recording's header has no environment"
    if config.pids:
        env = _process_environment(config.pids[0])
        if env is None:
            return None, f"not readable: /proc/{config.pids[0]}/environ could not be read"
        return env, f"of process {config.pids[0]}, read from /proc when renacer attached"
    if config.env is not None:
        return dict(config.env), "as given to the traced command"
    return dict(os.environ), "inherited from renacer's own environment"


def _duration(ns: int) -> str:
    if ns >= 60_000_000_000:
        return f"{ns // 60_000_000_000} min {ns % 60_000_000_000 / 1e9:.1f} s"
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.3f} s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


class HtmlSink:
    """Collects a run's events; ``close`` writes the report page to ``out``."""

    def __init__(self, config: Config, out: TextIO, arch: str, header: dict | None) -> None:
        from ..arch import current

        self.config, self.out, self.arch, self.header = config, out, arch, header
        self.exit_status: int | None = None  # set by the run before close
        machine = current()
        # a recording from another architecture: no signatures, so fewer descriptors are followed
        signatures = machine.signatures if not arch or arch == machine.name else {}
        self.summary = SummarySink(io.StringIO(), extended=True)
        self.data = ReportData(machine.classes, FdTracker(signatures), self.summary)
        self.profile = ProfileSink(io.StringIO())
        self.env = environment(config, header)
        self.started_ns = time.time_ns()
        self.invocation = ["renacer", *sys.argv[1:]]

    def handle(self, ev: Event) -> None:
        """Take one event (a call's entry is repeated by its SyscallEvent, so it is skipped)."""
        if isinstance(ev, SyscallEnter):
            return
        self.summary.handle(ev)
        self.data.handle(ev)
        if isinstance(ev, SyscallEvent) and ev.source is not None:
            self.profile.handle(ev)

    def close(self) -> None:
        """Write the page (the run closes an -o file afterwards)."""
        command, facts, notes = self._header()
        title = f"renacer: {command}"
        self.out.write(page(title, command, facts, notes, self._payload(command)))
        self.out.flush()

    def _command(self) -> tuple[list[str], list[int]]:
        if self.header is not None:
            return [str(a) for a in self.header.get("command") or []], list(self.header.get("pids") or [])
        return list(self.config.command), list(self.config.pids)

    def _header(self) -> tuple[str, list[tuple[str, str, str]], list[str]]:
        argv, pids = self._command()
        command = shlex.join(argv) if argv else "-p " + ",".join(map(str, pids)) if pids else "(unknown)"
        d = self.data
        status = self.exit_status
        main = d.processes.get(pids[0] if pids else next(iter(d.processes), -1))
        ended = main.end if main is not None and main.end else ""
        status_text = "unknown" if status is None else str(status)
        status_cls = "" if status is None else "ok" if status == 0 else "bad"
        span = d.last_ns - d.first_ns if d.first_ns is not None else 0
        threads = len(d.threads)
        if ended and ended != f"exited with {status}":
            status_text += f" ({ended})"
        processes = f"{len(d.processes):,}"
        if threads > len(d.processes):
            processes += f" ({threads:,} threads)"
        facts = [
            ("exit status", status_text, status_cls),
            ("duration", _duration(span), ""),
            ("syscalls", f"{d.syscalls:,}", ""),
            ("errors", f"{d.failed:,}", "bad" if d.failed else "ok"),
            ("processes", processes, ""),
            ("signals", f"{d.signals:,}", ""),
        ]
        if d.lost:
            facts.append(("lost events", f"{d.lost:,}", "bad"))
        if d.decision_count:
            facts.append(("decisions", f"{d.decision_count:,}", ""))
        wall = self.header.get("start_wall_ns") if self.header else d.first_wall_ns
        if isinstance(wall, int):
            facts.append(("started", datetime.fromtimestamp(wall / 1e9).astimezone().strftime(
                "%Y-%m-%d %H:%M:%S %Z"), ""))
        notes = []
        if d.lost:
            notes.append(f"{d.lost:,} events were lost (the kernel's ring buffer was full): every count "
                         "below misses them.")
        if d.cut_short:
            notes.append(f"{d.cut_short:,} calls (besides exit_group) never returned: the process ended or "
                         "exec'd during them. They are in the timeline, not in the summary.")
        return command, facts, notes

    def _payload(self, command: str) -> dict[str, Any]:
        d = self.data
        env, env_source = self.env
        replay = self.header is not None
        report = self.profile.report() if d.has_source else None
        profile = None
        if report is not None:
            profile = {
                "functions": [[f.name, os.path.basename(f.module), f.calls, f.total_ns, f.slowest_ns,
                               f.slowest_syscall, f.slowest_at, f.slow_io] for f in report.functions],
                "hot": [[list(path), t.calls, t.total_ns] for path, t in report.hot_paths],
                "total_ns": report.total_ns,
            }
        return {
            "meta": {
                "command": command,
                "argv": self._command()[0],
                "pids": self._command()[1],
                "invocation": shlex.join(self.invocation),
                "replayed": self.config.input if replay else None,
                "arch": self.arch,
                "version": str(self.header.get("version", "")) if replay else __version__,
                "generated_by": __version__,
                "host": None if replay else socket.gethostname(),
                "cwd": (self.header or {}).get("cwd") if replay else (self.config.cwd or os.getcwd()),
                "exit_status": self.exit_status,
                "percentiles": list(PERCENTILES),
                "interpolated": bool(self.summary.kernel_totals),
            },
            "counts": {"syscalls": d.syscalls, "errors": d.failed, "unfinished": d.unfinished,
                       "signals": d.signals, "lost": d.lost, "processes": len(d.processes),
                       "threads": len(d.threads)},
            "summary": d.summary_rows(),
            "timeline": d.timeline(),
            "processes": d.process_rows(),
            "files": [list(r) for r in d.fds.rows()],
            "errors": d.error_rows(),
            "slowest": d.slowest_rows(),
            "sources": d.source_rows() if d.has_source else None,
            "profile": profile,
            "decisions": d.decision_rows(),
            "env": {"source": env_source, "redacted_names": SECRET_NAME.pattern.split("|"),
                    "vars": None if env is None else [list(v) for v in redact(env)]},
        }
