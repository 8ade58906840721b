"""renacer's text against strace's for System V IPC (shm, sem, msg) and POSIX message queues."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


@pytest.mark.parametrize("extra", [[], ["-v"]], ids=["abbrev", "verbose"])
def test_ipc_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("ipc.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
