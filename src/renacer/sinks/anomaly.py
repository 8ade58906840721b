"""``--anomaly-threshold`` and ``--anomaly-realtime``: the calls that took far longer than usual.

The list after the run scores every call against all calls of its syscall (exact mean and
standard deviation); the realtime alerts score each call against the last N calls of its
syscall as it finishes, and a report of counts by severity and the top anomalies ends the run.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field
from typing import TextIO

from ..analysis.anomaly import Moments, SlidingWindow, TopN, severity
from ..events import Event, SyscallEvent, args_text
from .stack import source_text

LISTED_PER_SYSCALL = 20  # the longest calls of each syscall kept for the list after the run
TOP_REPORTED = 10  # anomalies shown in the realtime report at the end


def _finished(ev: Event) -> tuple[SyscallEvent, int] | None:
    """A finished call and its duration in ns; None for anything else (unfinished calls never count)."""
    if isinstance(ev, SyscallEvent) and ev.retval is not None and not ev.unfinished:
        return ev, max(ev.exit_ns - ev.enter_ns, 0)
    return None


def call_text(ev: SyscallEvent) -> str:
    """The call as the trace shows it, with -T's duration: ``read(3, "..."..., 4096) = 4096 <0.012345>``,
    and with --source the user's line that made it (`` [src/main.rs:7 in app::main]``)."""
    d = ev.exit_ns - ev.enter_ns
    where = f"   [{source_text(ev.source)}]" if ev.source is not None else ""
    return (f"{ev.name}({args_text(ev.entry_text, ev.exit_text, ev.joint)}) = {ev.ret_text}"
            f" <{d // 1_000_000_000}.{(d // 1000) % 1_000_000:06d}>{where}")


def clock_text(wall_ns: int) -> str:
    """``12:34:56.123456``, the local time of day as -tt prints it."""
    sec, ns = divmod(wall_ns, 1_000_000_000)
    return f"{time.strftime('%H:%M:%S', time.localtime(sec))}.{ns // 1000:06d}"


_CALL_HEAD = f"{'sigma':>8s} {'time':<15s} {'pid':>7s}  call"
_CALL_RULE = f"{'-' * 8} {'-' * 15} {'-' * 7}  {'-' * 4}"


def _call_row(z: float, ev: SyscallEvent) -> str:
    return f"{z:8.2f} {clock_text(ev.enter_wall_ns)} {ev.tid:7d}  {call_text(ev)}"


@dataclass
class _Calls:
    """One syscall's durations (exact moments, every value for the final count) and longest calls."""

    name: str
    moments: Moments = field(default_factory=Moments)
    durations: array = field(default_factory=lambda: array("Q"))
    longest: TopN[SyscallEvent] = field(default_factory=lambda: TopN(LISTED_PER_SYSCALL))


@dataclass
class AnomalySink:
    """After the run: the calls more than ``threshold`` standard deviations above their syscall's mean."""

    out: TextIO
    threshold: float = 3.0
    calls: dict[int, _Calls] = field(default_factory=dict)

    def handle(self, ev: Event) -> None:
        if (call := _finished(ev)) is None:
            return
        ev, d = call
        c = self.calls.get(ev.nr) or self.calls.setdefault(ev.nr, _Calls(ev.name))
        c.moments.add(d)
        c.durations.append(d)
        c.longest.offer(d, ev)

    def report(self) -> list[str]:
        """The list's lines: one row per syscall with anomalies, then the calls, largest sigma first."""
        z = self.threshold
        lines = [f"Calls more than {z:g} standard deviations above their syscall's mean latency:"]
        per_syscall, rows = [], []
        for nr in sorted(self.calls):
            c = self.calls[nr]
            mean, sd = c.moments.mean, c.moments.stddev
            if sd <= 0:
                continue
            limit = mean + z * sd
            over = sum(1 for d in c.durations if d > limit)
            if not over:
                continue
            per_syscall.append(f"{c.name:<16s} {c.moments.n:9d} {over:9d} {mean / 1000:11.3f} "
                               f"{sd / 1000:11.3f} {limit / 1000:11.3f}")
            listed = [r for r in c.longest.best() if r.key > limit]
            rows += [(c.moments.z(r.item.exit_ns - r.item.enter_ns), r.item) for r in listed]
            if over > len(listed):
                per_syscall[-1] += f"  (the {len(listed)} longest listed)"
        if not per_syscall:
            return [*lines, "none"]
        lines += [f"{'syscall':<16s} {'calls':>9s} {'anomalies':>9s} {'mean':>11s} {'stddev':>11s} "
                  f"{'threshold':>11s}  (usecs)",
                  f"{'-' * 16} {'-' * 9} {'-' * 9} {'-' * 11} {'-' * 11} {'-' * 11}",
                  *per_syscall, "", _CALL_HEAD, _CALL_RULE]
        rows.sort(key=lambda r: (-r[0], r[1].enter_ns))
        return lines + [_call_row(score, ev) for score, ev in rows]

    def close(self) -> None:
        self.out.write("".join(f"{ln}\n" for ln in ["", *self.report()]))
        self.out.flush()


@dataclass(frozen=True, slots=True)
class Alert:
    """One call that stood out from its syscall's recent calls."""

    z: float
    severity: str
    mean_ns: float
    stddev_ns: float
    event: SyscallEvent


@dataclass
class AnomalyAlertSink:
    """--anomaly-realtime: an alert line as each anomaly happens; counts and the worst at the end."""

    alerts: TextIO  # where alert lines go as they happen (renacer's stderr)
    out: TextIO  # where the report goes at the end (with the trace or the table)
    threshold: float = 3.0
    window: int = 100
    windows: dict[int, SlidingWindow] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    top: TopN[Alert] = field(default_factory=lambda: TopN(TOP_REPORTED))

    def handle(self, ev: Event) -> None:
        if (call := _finished(ev)) is None:
            return
        ev, d = call
        w = self.windows.get(ev.nr) or self.windows.setdefault(ev.nr, SlidingWindow(self.window))
        scored, compared = w.score(d), len(w.values)
        w.add(d)  # the call joins the window either way: a lasting change becomes the new normal
        if scored is None or scored[0] <= self.threshold:
            return
        z, mean, sd = scored
        alert = Alert(z, severity(z), mean, sd, ev)
        self.counts[alert.severity] += 1
        self.top.offer(z, alert)
        self.alerts.write(f"anomaly [{alert.severity}] {clock_text(ev.enter_wall_ns)} pid {ev.tid} "
                          f"{call_text(ev)}: {z:.1f} sigma above the mean {mean / 1e9:.6f} s "
                          f"(stddev {sd / 1e9:.6f} s) of its last {compared} calls\n")
        self.alerts.flush()

    def report(self) -> list[str]:
        """Counts by severity, then the worst anomalies."""
        total = sum(self.counts.values())
        by = ", ".join(f"{self.counts[s]} {s}" for s in ("high", "medium", "low"))
        lines = [f"Anomalies over {self.threshold:g} sigma against the last {self.window} calls of "
                 f"each syscall: {total} ({by})"]
        if total:
            lines += [f"{'severity':<8s} {_CALL_HEAD}", f"{'-' * 8} {_CALL_RULE}"]
            lines += [f"{r.item.severity:<8s} {_call_row(r.item.z, r.item.event)}" for r in self.top.best()]
        return lines

    def close(self) -> None:
        self.out.write("".join(f"{ln}\n" for ln in ["", *self.report()]))
        self.out.flush()
