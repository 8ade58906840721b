"""renacer's text against strace's for memory calls (mremap, madvise, mlock*, msync, mincore, membarrier,
process_vm_*, pkeys) and signal calls (sigaction, masks, sigtimedwait, sigaltstack, kill, pidfds).

No struct here prints more under -v in strace 6.1 (observed), so there is no -v variant.
"""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace


@pytest.mark.parametrize("extra", [[], ["-s", "8"], ["-y"]], ids=["plain", "short-strings", "fd-paths"])
def test_memory_and_signal_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("memsig.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
