"""renacer's text against strace's for terminal ioctls on a private pty (tests/programs/tty.c)."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


def test_terminal_ioctls_match_strace(build) -> None:
    report = compare([str(build("tty.c"))])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


def test_terminal_ioctls_match_strace_verbose(build) -> None:
    # -v prints struct termios in full (c_line, c_cc). The trace keeps to the ioctls (and
    # set_tid_address, whose result lets the harness normalize the pids TIOCGSID returns):
    # under -v strace also prints execve's whole environment, the process family's to match.
    report = compare([str(build("tty.c"))], extra=["-v", "-e", "trace=ioctl,set_tid_address"])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
