"""The Python API and the module entry point: renacer.trace() yields real events."""

from __future__ import annotations

import pytest

renacer = pytest.importorskip("renacer")


def test_trace_yields_openat_and_read_events() -> None:
    events = list(renacer.trace(["cat", "/etc/hostname"]))
    calls = [e for e in events if isinstance(e, renacer.SyscallEvent)]
    opens = [e for e in calls if e.name == "openat" and "/etc/hostname" in ", ".join(e.entry_text)]
    assert opens and opens[0].retval is not None and opens[0].retval >= 0
    assert any(e.name == "read" for e in calls)
    assert calls[0].name == "execve"


def test_trace_ends_with_exit_event_carrying_status(build) -> None:
    events = list(renacer.trace([str(build("exit3.c"))]))
    exits = [e for e in events if isinstance(e, renacer.ExitEvent)]
    assert exits and exits[-1].exit_code == 3


def test_trace_with_filter_yields_only_those_calls() -> None:
    events = list(renacer.trace(["cat", "/etc/hostname"], trace=["openat", "close"]))
    names = {e.name for e in events if isinstance(e, renacer.SyscallEvent)}
    assert names == {"openat", "close"}


def test_api_applies_the_status_filter() -> None:
    import renacer
    from renacer.events import SyscallEnter, SyscallEvent

    failed = frozenset({"failed"})
    events = list(renacer.trace(["cat", "/nonexistent"], include_entries=True, statuses=failed))
    calls = [ev for ev in events if isinstance(ev, SyscallEvent)]
    assert calls and all(ev.error for ev in calls)
    assert any(ev.name == "openat" and "/nonexistent" in ev.entry_text[1] for ev in calls)
    assert not any(isinstance(ev, SyscallEnter) for ev in events)
