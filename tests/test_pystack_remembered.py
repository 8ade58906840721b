"""Remembered Python stacks: a stack checked with one read must be the stack a fresh walk reads.

The fixture makes each stat from stacks that repeat (remembered ones are used) and from code
objects compiled, run and freed every round, so addresses are reused by code with other names
and lines. At every stat, a PythonStacks over the ptrace reader (which can gather, so remembers)
and one over a reader that cannot (so always walks) must agree, on every interpreter.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pythons import missing
from test_pystack_frames import INTERPRETERS, finish, syscall_entries
from test_unwind import Tracee

from renacer.backends.ptrace import libc
from renacer.backends.ptrace.memory import ProcessMemory
from renacer.pystack import PythonStacks
from renacer.source.modules import ElfCache, ModuleMap
from renacer.source.registers import thread_pointer

FIXTURE = Path(__file__).parent / "programs" / "py_churn.py"
NEWFSTATAT = 262


class Counting:
    """The ptrace reader, counting the reads a stack read makes besides the gathered one."""

    def __init__(self, tid: int, gathers: bool) -> None:
        self.inner = ProcessMemory(tid)
        self.reads = 0
        if gathers:
            self.gather = self.inner.gather
            self.read_gather = self.inner.read_gather

    def read(self, addr: int, size: int) -> bytes | None:
        self.reads += 1
        return self.inner.read(addr, size)

    def read_spans(self, spans: list[tuple[int, int]]) -> list[bytes | None]:
        self.reads += 1
        return self.inner.read_spans(spans)

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        return self.inner.read_cstr(addr, limit)


@pytest.mark.parametrize("name", INTERPRETERS)
def test_a_remembered_stack_is_the_stack_read_anew(name: str, tmp_path: Path) -> None:
    python = INTERPRETERS[name]
    if not os.path.exists(python):
        missing(python)
    tracee = Tracee([python, str(FIXTURE), str(tmp_path)])
    remembering, walking = PythonStacks(), PythonStacks()
    elves, maps = ElfCache(), None
    compared = hits = 0
    lines: set[tuple[str, str, int]] = set()
    try:
        for tid, words in syscall_entries(tracee):
            if words[0] != NEWFSTATAT:
                continue
            found = ProcessMemory(tid).read_cstr(words[2], 4096)
            if not found or found[0].decode() != str(tmp_path):
                continue
            maps = ModuleMap.read(tracee.pid, elves, ProcessMemory(tid), maps)

            def fs_base(tid: int = tid) -> int | None:
                raw = libc.get_regs(tid)
                return None if raw is None else thread_pointer(raw)

            fast = Counting(tid, gathers=True)
            got = remembering.stack(tracee.pid, tid, fast, maps, fs_base)
            want = walking.stack(tracee.pid, tid, Counting(tid, gathers=False), maps, fs_base)
            assert got == want, f"stat #{compared}"
            assert got, f"stat #{compared}: no frames"
            compared += 1
            hits += fast.reads == 0
            lines.add((got[0].filename, got[0].qualname, got[0].line))
    finally:
        finish(tracee)
    assert compared == 30 * 4  # made_i, leaf, branch's leaf and branch's own stat
    # every made_i is new code; the three fixed stacks repeat, and are remembered once seen
    assert hits >= 20, f"{hits} of {compared} stacks remembered"
    assert {(f, line) for f, _, line in lines if f.startswith("<made-")} == {
        (f"<made-{i % 4}>", 2 + i % 3) for i in range(30)}  # each file and line as compiled
