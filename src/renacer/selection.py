"""What of the event stream is shown: ``-e status=`` (``-z``, ``-Z``) and ``-e signal=``.

A stage between the backend and the sinks: it drops events, never changes them, and never
changes what happens to the tracees (a signal left out is still delivered).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .config import Config
from .errors import RenacerError
from .events import Event, SignalEvent, StopEvent, SyscallEnter, SyscallEvent
from .syscalls.xlat.signal_table import SIGNALS

STATUSES = ("successful", "failed", "unfinished", "unavailable", "detached")
NSIG = 64
_SIGNAL_NUMBERS = {name: nr for nr, name in SIGNALS.items()}


def syscall_status(ev: SyscallEvent) -> str:
    """Which ``-e status=`` class a finished call falls in."""
    if ev.unfinished and ev.reason == "detached":
        return "detached"
    if ev.unfinished or ev.retval is None:
        return "unfinished"  # the task died or exec'd mid-call, or the call never returns (exit)
    return "failed" if ev.error else "successful"


def _items(expr: str) -> tuple[bool, list[str]]:
    """A qualifier's value: whether it is negated, and its comma-separated items."""
    negated = expr.startswith("!")
    return negated, [item for item in expr.removeprefix("!").split(",") if item]


def parse_statuses(expr: str) -> frozenset[str] | None:
    """``-e status=successful,failed``: the statuses to show; None for all."""
    negated, items = _items(expr)
    chosen: set[str] = set()
    for item in items or [expr]:
        if item == "all":
            chosen.update(STATUSES)
        elif item != "none":
            if item not in STATUSES:
                raise RenacerError(f"invalid status '{item}'")
            chosen.add(item)
    if negated:
        chosen = set(STATUSES) - chosen
    return None if chosen == set(STATUSES) else frozenset(chosen)


def signal_number(name: str) -> int | None:
    """``SIGUSR1``, ``USR1``, ``10``, ``SIGRTMIN+2`` -> the number; None if it names no signal."""
    if name.isdigit():
        nr = int(name)
        return nr if 0 < nr <= NSIG else None
    upper = name.upper()
    full = upper if upper.startswith("SIG") else "SIG" + upper
    if full in _SIGNAL_NUMBERS:
        return _SIGNAL_NUMBERS[full]
    if full.startswith("SIGRTMIN"):
        rest = full[len("SIGRTMIN"):]
        offset = int(rest[1:]) if rest[:1] == "+" and rest[1:].isdigit() else 0 if not rest else None
        if offset is not None and 32 + offset <= NSIG:
            return 32 + offset
    return None


def parse_signals(expr: str) -> frozenset[int] | None:
    """``-e signal=SIGUSR1,!SIGCHLD`` ... : the signals whose delivery is shown; None for all."""
    negated, items = _items(expr)
    every = set(range(1, NSIG + 1))
    chosen: set[int] = set()
    for item in items or [expr]:
        if item == "all":
            chosen |= every
        elif item != "none":
            nr = signal_number(item)
            if nr is None:
                raise RenacerError(f"invalid signal '{item}'")
            chosen.add(nr)
    if negated:
        chosen = every - chosen
    return None if chosen == every else frozenset(chosen)


def shown(ev: Event, config: Config) -> bool:
    """Whether ``config``'s status and signal sets let ``ev`` through."""
    if config.statuses is not None:
        if isinstance(ev, SyscallEnter):
            return False  # the whole line prints at exit, once its status is known (as strace)
        if isinstance(ev, SyscallEvent) and syscall_status(ev) not in config.statuses:
            return False
    if config.signals is not None and isinstance(ev, (SignalEvent, StopEvent)):
        return ev.signo in config.signals
    return True


def select(stream: Iterable[Event], config: Config) -> Iterator[Event]:
    """The events of ``stream`` that ``config``'s status and signal sets let through."""
    if config.statuses is None and config.signals is None:
        yield from stream
        return
    for ev in stream:
        if shown(ev, config):
            yield ev
