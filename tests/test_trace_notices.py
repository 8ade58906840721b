"""'Process N attached' notices go where strace puts them."""

from __future__ import annotations

import re

import pytest
from fidelity import own_messages

pytestmark = pytest.mark.needs_strace

PIPELINE = ["sh", "-c", "echo a | cat >/dev/null"]


def _notices(stderr: str) -> list[str]:
    return [re.sub(r"\d+", "N", line) for line in own_messages(stderr) if "Process" in line]


def test_followed_children_are_not_noted_when_the_trace_goes_to_a_file(renacer, strace, tmp_path):
    ours = renacer("-f", "-o", tmp_path / "r.txt", "--", *PIPELINE)
    theirs = strace("-f", "-o", tmp_path / "s.txt", "--", *PIPELINE)
    assert _notices(ours.stderr) == _notices(theirs.stderr) == []


def test_followed_children_are_noted_in_a_trace_on_stderr(renacer, strace):
    ours = renacer("-f", "--", *PIPELINE)
    theirs = strace("-f", "--", *PIPELINE)
    notes = [line for line in ours.stderr.splitlines() if "Process" in line]
    assert len(notes) == len([line for line in theirs.stderr.splitlines() if "Process" in line]) == 2
    assert all(re.search(r"renacer: Process \d+ attached$", line) for line in notes)
