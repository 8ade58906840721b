"""renacer's text against strace's for the file calls beyond open/read/write (tests/programs/fileops.c)."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


@pytest.mark.parametrize("extra", [[], ["-s", "4"]], ids=["default", "s4"])
def test_file_operations_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("fileops.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
