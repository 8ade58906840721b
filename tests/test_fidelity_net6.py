"""The socket calls net.c leaves out (IPv6, netlink, packet, abstract UNIX, struct options) against strace."""

from __future__ import annotations

import os

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

ENV = dict(os.environ, PYTHONHASHSEED="0")


@pytest.mark.parametrize("extra", [[], ["-y"]], ids=["plain", "fd-paths"])
def test_net6_matches_strace_line_for_line(build, extra: list[str]) -> None:
    report = compare([str(build("net6.c"))], extra=extra, env=ENV)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
    assert report.status_identical, str(report)


def test_net6_socket_details_match_strace(build) -> None:
    # -yy, strace's habit included: once a socket's endpoint is known, it is shown from then on
    report = compare([str(build("net6.c"))], extra=["-yy"], env=ENV)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
