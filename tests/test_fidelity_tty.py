"""renacer's text against strace's for terminal ioctls on a private pty (tests/programs/tty.c)."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

# Runs with rendering options keep to the ioctls (and set_tid_address, whose result lets the
# harness normalize the pids TIOCGSID returns): under -v strace also prints execve's whole
# environment, and under -X the loader's mmap flags, which are other families' to match.
IOCTLS = ["-e", "trace=ioctl,set_tid_address"]


def test_terminal_ioctls_match_strace(build) -> None:
    report = compare([str(build("tty.c"))])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


@pytest.mark.parametrize(
    "options", [["-v"], ["-X", "raw"], ["-X", "verbose"], ["-v", "-X", "verbose"]], ids=lambda o: "".join(o)
)
def test_terminal_ioctls_match_strace_with_options(build, options: list[str]) -> None:
    # -v prints struct termios in full (c_line, c_cc); -X prints requests and flags as numbers.
    report = compare([str(build("tty.c"))], extra=[*options, *IOCTLS])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
