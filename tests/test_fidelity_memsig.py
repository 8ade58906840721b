"""renacer's text against strace's for memory calls (mremap, madvise, mlock*, msync, mincore, membarrier,
process_vm_*, pkeys) and signal calls (sigaction, masks, sigtimedwait, sigaltstack, kill, pidfds).

No struct here prints more under -v in strace 6.1 (observed), so there is no -v variant.
"""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

# The fixture's own calls (the loader's belong to other families), with getpid and gettid, whose
# results let the harness normalize the pids the others show.
CALLS = (
    "trace=getpid,gettid,mmap,mprotect,munmap,mremap,madvise,mlock,munlock,mlock2,mlockall,munlockall,"
    "msync,mincore,membarrier,process_vm_readv,process_vm_writev,pkey_alloc,pkey_free,pkey_mprotect,"
    "rt_sigaction,rt_sigprocmask,rt_sigreturn,rt_sigsuspend,rt_sigtimedwait,rt_sigpending,rt_sigqueueinfo,"
    "rt_tgsigqueueinfo,sigaltstack,kill,tkill,tgkill,pidfd_open,pidfd_send_signal,pidfd_getfd"
)
OPTIONS = [
    pytest.param([], id="plain"),
    pytest.param(["-s", "8"], id="short-strings"),
    pytest.param(["-y"], id="fd-paths"),
    pytest.param(["-X", "raw", "-e", CALLS], id="Xraw"),
    pytest.param(["-X", "verbose", "-e", CALLS], id="Xverbose"),
]


@pytest.mark.parametrize("extra", OPTIONS)
def test_memory_and_signal_calls_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("memsig.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
