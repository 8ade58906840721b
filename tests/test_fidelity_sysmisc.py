"""renacer's text against strace's for the system-wide calls: syslog, reboot, seccomp, bpf,
perf_event_open, io_uring; and, apart, the process family's getrandom, sysinfo and uname."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

MODES = pytest.mark.parametrize("extra", [[], ["-v"]], ids=["abbrev", "verbose"])


@MODES
def test_system_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("sysmisc.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


@MODES
def test_process_info_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("sysmisc.c")), "process"], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
