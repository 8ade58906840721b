"""renacer: a Linux system-call tracer with strace's output, plus source locations.

>>> import renacer
>>> for ev in renacer.trace(["true"]):
...     print(ev.name, ev.retval)
"""

from __future__ import annotations

__version__ = "0.1.0"

from collections.abc import Iterator, Sequence
from typing import Any

from .config import Config
from .errors import RenacerError
from .events import (
    DecisionEvent,
    Event,
    ExitEvent,
    ProcessEvent,
    SignalEvent,
    SourceFrame,
    StackFrame,
    StopEvent,
    SyscallEnter,
    SyscallEvent,
)

__all__ = [
    "Config",
    "DecisionEvent",
    "Event",
    "ExitEvent",
    "ProcessEvent",
    "RenacerError",
    "SignalEvent",
    "SourceFrame",
    "StackFrame",
    "StopEvent",
    "SyscallEnter",
    "SyscallEvent",
    "trace",
]


def trace(argv: Sequence[str], *, include_entries: bool = False, **options: Any) -> Iterator[Event]:
    """Run ``argv`` under the tracer and yield its events as they happen.

    ``options`` are Config fields (``follow_forks=True``, ``string_limit=64``, ``trace=...``
    as a set of syscall names, ``source="user"`` for each call's ``source`` and ``frames``).
    Entry-only events (SyscallEnter) are left out unless
    ``include_entries``. Closing the generator early (``break`` then ``close()``, or
    ``with contextlib.closing(renacer.trace(...))``) kills the command and reaps it.
    """
    from .arch import current
    from .filter import parse_trace_set
    from .run import events

    names = options.pop("trace", None)
    if names is not None and not isinstance(names, frozenset):
        options["trace"] = parse_trace_set(",".join(names), current())
    elif names is not None:
        options["trace"] = names
    config = Config(command=tuple(argv), **options)
    for ev in events(config):
        if include_entries or not isinstance(ev, SyscallEnter):
            yield ev
