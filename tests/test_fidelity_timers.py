"""renacer's text against strace's for clocks, sleeps, interval and POSIX timers, and clock_adjtime.

No struct here prints more under -v in strace 6.1 (observed), so there is no -v variant.
"""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

# The fixture's own calls (the loader's belong to other families), with getpid and gettid, whose
# results let the harness normalize the pids the others show.
CALLS = (
    "trace=getpid,gettid,clock_gettime,clock_getres,clock_nanosleep,nanosleep,gettimeofday,settimeofday,"
    "clock_settime,getitimer,setitimer,alarm,times,timer_create,timer_settime,timer_gettime,"
    "timer_getoverrun,timer_delete,clock_adjtime"
)
OPTIONS = [
    pytest.param([], id="plain"),
    pytest.param(["-X", "raw", "-e", CALLS], id="Xraw"),
    pytest.param(["-X", "verbose", "-e", CALLS], id="Xverbose"),
]


@pytest.mark.parametrize("extra", OPTIONS)
def test_clock_and_timer_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("timers.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
