"""strace's rendering options (-v, -x, -xx, -X, -i, -a, -e raw/abbrev/verbose/read/write), line
for line against strace on the same fixtures."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

OPTIONS = [
    pytest.param(["-v"], id="-v"),
    pytest.param(["-e", "abbrev=none"], id="abbrev=none"),
    pytest.param(["-e", "verbose=none"], id="verbose=none"),
    pytest.param(["-x"], id="-x"),
    pytest.param(["-xx"], id="-xx"),
    pytest.param(["-X", "raw"], id="-Xraw"),
    pytest.param(["-X", "verbose"], id="-Xverbose"),
    pytest.param(["-i"], id="-i"),
    pytest.param(["-a", "60"], id="-a60"),
    pytest.param(["-e", "raw=all"], id="raw=all"),
    pytest.param(["-e", "raw=openat,read", "-e", "abbrev=newfstatat"], id="raw=some"),
    pytest.param(["-e", "read=all", "-e", "write=all"], id="dumps"),
    pytest.param(["-e", "read=3", "-e", "write=1,4"], id="dumps-some"),
    pytest.param(["-yy"], id="-yy"),
    pytest.param(["-yy", "-x"], id="-yy-x"),  # (under -xx pipe inodes are hex: not normalizable)
]


@pytest.mark.parametrize("extra", OPTIONS)
@pytest.mark.parametrize("source", ["files.c", "strings.c", "msg.c"])
def test_rendering_options_match_strace(build, source: str, extra: list[str]) -> None:
    report = compare([str(build(source))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


@pytest.mark.parametrize("limit", ["0", "1", "2"])
@pytest.mark.parametrize("source", ["msg.c", "events.c", "fdops.c"])
def test_small_string_limits_cap_arrays_as_strace(build, source: str, limit: str) -> None:
    report = compare([str(build(source))], extra=["-s", limit])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


@pytest.mark.parametrize("source", ["tty.c", "memsig.c", "fileops.c"])
def test_yy_shows_devices_and_pidfds_as_strace(build, source: str) -> None:
    report = compare([str(build(source))], extra=["-yy"])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
