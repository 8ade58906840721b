"""renacer's text against strace's for process control and identity (task.c), plain, -v, -s and -X."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


@pytest.mark.parametrize(
    "extra",
    [[], ["-v"], ["-s", "4"], ["-X", "raw"], ["-X", "verbose"]],
    ids=["plain", "verbose", "short-strings", "xlat-raw", "xlat-verbose"],
)
def test_task_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("task.c"))], follow=True, extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
