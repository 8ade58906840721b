"""renacer's text against strace's for clocks, sleeps, interval and POSIX timers, and clock_adjtime.

No struct here prints more under -v in strace 6.1 (observed), so there is no -v variant.
"""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


def test_clock_and_timer_calls_match_strace(build) -> None:
    report = compare([str(build("timers.c"))])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
