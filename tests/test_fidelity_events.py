"""renacer's text against strace's for the event-waiting calls (poll, select, epoll, *fd, inotify)."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


def test_event_calls_match_strace(build) -> None:
    report = compare([str(build("events.c"))])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
