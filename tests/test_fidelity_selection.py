"""-z, -Z, -e status=, -e signal=, -e quiet=: the lines strace keeps, and only those."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

CASES = [
    pytest.param("files.c", False, ["-z"], id="files-z"),
    pytest.param("files.c", False, ["-Z"], id="files-Z"),
    pytest.param("files.c", False, ["--failed-only"], id="files-failed-only"),
    pytest.param("files.c", False, ["-e", "status=!successful"], id="files-not-successful"),
    pytest.param("fork.c", True, ["-e", "status=unfinished"], id="fork-unfinished"),
    pytest.param("fork.c", True, ["-e", "status=successful,unfinished"], id="fork-some"),
    pytest.param("signals.c", True, ["-e", "signal=none"], id="signals-none"),
    pytest.param("signals.c", True, ["-e", "signal=!SIGCHLD"], id="signals-not-chld"),
    pytest.param("signals.c", True, ["-e", "signal=SIGUSR1,usr2"], id="signals-some"),
    pytest.param("signals.c", True, ["-e", "quiet=exit"], id="quiet-exit"),
    pytest.param("signals.c", True, ["-qqq"], id="qqq"),
    pytest.param("exec_thread.c", True, ["-e", "quiet=superseded"], id="quiet-superseded"),
]


@pytest.mark.parametrize(("source", "follow", "extra"), CASES)
def test_selected_lines_match_strace(build, source: str, follow: bool, extra: list[str]) -> None:
    report = compare([str(build(source))], follow=follow, extra=extra)
    assert report.names_identical, str(report)
    # under -f, where a SIGCHLD lands among the parent's lines is down to scheduling
    assert report.identical_share >= (0.95 if follow else 1.0), str(report)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(["-P", "data.txt"], id="relative"),
        pytest.param(["-P", "/etc/ld.so.cache"], id="absolute-and-fd"),
        pytest.param(["-P", "/nonexistent/file"], id="nothing"),
        pytest.param(["-P", "data.txt", "-P", "/etc/ld.so.cache"], id="two"),
    ],
)
def test_trace_path_matches_strace(build, extra: list[str]) -> None:
    report = compare([str(build("files.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
