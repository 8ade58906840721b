"""readv/writev and kin, sendto/recvfrom, sendmsg/recvmsg and the mmsg calls against strace."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


def test_vector_and_message_calls_match_strace(build) -> None:
    report = compare([str(build("msg.c"))])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
