"""The eBPF tracer: the same surface as PtraceTracer, with the kernel doing the watching.

Summary mode (plain -c, --stats-extended): the kernel adds calls up and nothing crosses to
Python until the end. Stream mode (anything else): the kernel sends one record a call through a
ring buffer. Either way the traced processes never stop; renacer only waits for them to end.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Iterator

from ...arch import Arch, current
from ...config import Config
from ...errors import RenacerError
from ...events import Event, ExitEvent, ProcessEvent
from ...syscalls.decoders.common import signal_name
from ..ptrace.process import find_program
from .follow import Target

# options that need a stopped tracee (its stack, its registers, its memory at the time of the
# call) or something the kernel programs do not capture: config field -> the option's name
UNSUPPORTED = (
    ("stack_trace", "-k"),
    ("source", "--source"),
    ("function_time", "--function-time"),
    ("flamegraph", "--flamegraph"),
    ("instruction_pointer", "-i"),
    ("paths", "-P"),
    ("trace_decisions", "--trace-transpiler-decisions"),  # read from the program's memory at its writes
    ("dump_reads", "-e read="),
    ("dump_writes", "-e write="),  # after the decisions: they capture fd 2's writes as -e write=2 does
)
_POLL_MS = 100  # how often a wait looks at a requested stop (a signal handler only sets a flag)
_GRACE_S = 1.0  # after passing Ctrl-C on to the command: how long its end is waited for


def unsupported(config: Config) -> str | None:
    """The first option given that the eBPF backend cannot honour, by its name; None if none."""
    for field, option in UNSUPPORTED:
        value = getattr(config, field)
        if field.startswith("dump_") and value is not None and not value:
            continue  # an empty set is the default: no dumps
        if value:
            return option
    return None


def summary_mode(config: Config) -> bool:
    """Whether the kernel can add everything up (-c alone): no per-call event is needed."""
    return (config.summary == "only" and not config.anomaly_list and not config.anomaly_realtime
            and not config.summary_interval)


class EbpfTracer:
    """Spawns or attaches to processes, traced by kernel programs, and yields their events."""

    def __init__(self, config: Config, arch: Arch | None = None) -> None:
        option = unsupported(config)
        if option is not None:
            raise RenacerError(f"--backend ebpf: {option} needs the ptrace backend (a stopped tracee)")
        if config.command:  # a missing program is one error line, before any sink prints
            env = os.environ if config.env is None else config.env
            find_program(config.command[0], env.get("PATH", os.environ.get("PATH")))
        for pid in config.pids:
            if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
                raise RenacerError(f"attach: {pid}: No such process")
        self.cfg = config
        self.arch = arch or current()
        self.main_pid: int | None = None
        self.main_status: int | None = None
        self.stop_signal = 0
        self.summary = summary_mode(config)
        self._target: Target | None = None
        self._session = None  # SummarySession or StreamSession
        self._started = False
        self._pidfd: int | None = None

    def start(self) -> list[Event]:
        """Spawn the command (held before exec) or take the pids, attach the programs, let it go."""
        self._started = True
        try:
            self._target = target = Target(self.cfg)
            if self.cfg.command:
                self.main_pid = target.spawn()
            self._session = session = self._new_session(target)
            session.attach()
            if self.cfg.command:
                self._pidfd = os.pidfd_open(self.main_pid)  # type: ignore[arg-type]
                target.release()  # after the session: the Target's exit program must run last
                return []
            target.attach_pids(self.cfg.pids)
        except BaseException:
            self.abandon()
            raise
        mono, wall = time.monotonic_ns(), time.time_ns()
        return [ProcessEvent(tid, "attached", mono, wall) for pid in self.cfg.pids for tid in _threads(pid)]

    def _new_session(self, target: Target):  # noqa: ANN202 - either session type, imported when needed
        if self.summary:
            from .summary import SummarySession

            return SummarySession(target, self.arch, self.cfg)
        from .stream import StreamSession

        return StreamSession(target, self.arch, self.cfg)

    def request_stop(self, signo: int) -> None:
        """Ask the loop to end (called from a signal handler)."""
        self.stop_signal = signo

    def stack_notices(self) -> list[str]:
        return []

    # ---- loop --------------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        """Trace until every traced process is gone (or a stop was requested); yields events in order."""
        if not self._started:
            yield from self.start()
        try:
            yield from self._run()
        except BaseException:
            self.abandon()
            raise
        self._close()

    def _run(self) -> Iterator[Event]:
        session = self._session
        while not self._done():
            if self.summary:
                self._wait(_POLL_MS)
            else:
                yield from session.poll(_POLL_MS)  # type: ignore[union-attr]
        if self.summary:
            yield from session.totals()  # type: ignore[union-attr]
            if self.main_status is not None:
                yield _exit_event(self.main_pid, self.main_status)  # type: ignore[arg-type]
        else:
            yield from session.finish()  # type: ignore[union-attr]

    def _done(self) -> bool:
        """Whether nothing traced is left: the command reaped, every traced id gone (or a stop)."""
        target = self._target
        assert target is not None
        if self.stop_signal:
            self._stop()
            return True
        if self.main_pid is not None:
            self.main_status = target.reap(block=False)
            if self.main_status is None:
                return False
        if self.main_pid is not None and not self.cfg.follow_forks:
            return True
        return not target.live()  # -f descendants, -p pids

    def _wait(self, timeout_ms: int) -> None:
        """Sleep until the command ends or ``timeout_ms`` passed."""
        if self._pidfd is not None and self.main_status is None:
            poller = select.poll()
            poller.register(self._pidfd, select.POLLIN)
            poller.poll(timeout_ms)
        else:
            time.sleep(timeout_ms / 1000)

    def _stop(self) -> None:
        """Ctrl-C and the like: a spawned command gets the signal (as strace passes it on); its end is
        waited for a moment so its calls are all counted. Attached processes are left running."""
        if self.main_pid is None or self._target is None or self.main_status is not None:
            return
        try:
            os.kill(self.main_pid, self.stop_signal)
        except OSError:
            return
        deadline = time.monotonic() + _GRACE_S
        while time.monotonic() < deadline:
            self.main_status = self._target.reap(block=False)
            if self.main_status is not None:
                return
            self._wait(20)

    def abandon(self) -> None:
        """Stop tracing without reporting: a spawned command still running is killed, -p pids let go."""
        target = self._target
        if target is not None and self.main_pid is not None and self.main_status is None:
            if target.reap(block=False) is None:
                try:
                    os.kill(self.main_pid, signal.SIGKILL)
                except OSError:
                    pass
                self.main_status = target.reap(block=True)
        self._close()

    def _close(self) -> None:
        """Detach every program and free every map (in finally paths: never leave one attached)."""
        session, self._session = self._session, None
        target, self._target = self._target, None
        try:
            if session is not None:
                session.close()
        finally:
            if target is not None:
                target.close()
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None


def _exit_event(pid: int, status: int) -> ExitEvent:
    mono, wall = time.monotonic_ns(), time.time_ns()
    if os.WIFEXITED(status):
        return ExitEvent(pid, pid, os.WEXITSTATUS(status), None, None, False, mono, wall, leader=True)
    signo = os.WTERMSIG(status)
    return ExitEvent(pid, pid, None, signo, signal_name(signo), os.WCOREDUMP(status), mono, wall, leader=True)


def _threads(pid: int) -> list[int]:
    try:
        return sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return [pid]
