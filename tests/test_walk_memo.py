"""Remembered stack walks (source.walks): reused exactly while what steered them holds.

The fixture (tests/programs/walk_memo.c) reaches one getppid from two callers whose frames
have the same size, from one call site: the pc and the stack pointer at the syscall are the
same every time, and only the words on the stack differ. A remembered walk must be reused
when nothing it read has changed, and never when something has; a fresh Unwinder, which has
remembered nothing, is the oracle for every stack.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from fidelity import build_program, renacer_argv
from test_unwind import Tracee

from renacer.source.unwind import Unwinder

PC, SP, FP = 16, 7, 6


def _symbols(binary) -> dict[int, str]:
    out = subprocess.run(["nm", str(binary)], capture_output=True, text=True, check=True).stdout
    rows = (line.split() for line in out.splitlines())
    return {int(row[0], 16): row[2] for row in rows if len(row) == 3}


def _caller(frames, symbols: dict[int, str]) -> str:
    """The function of frame 2 (getppid <- leaf <- caller), by the binary's symbol table."""
    offset = frames[2].offset
    return max(((a, n) for a, n in symbols.items() if a <= offset), default=(0, "?"))[1]


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_a_remembered_walk_is_reused_only_while_the_stack_it_read_is_the_same(opt):
    binary = build_program("walk_memo.c", ["-g", opt])
    symbols = _symbols(binary)
    unwinder = Unwinder()
    walked = []
    real_walk = unwinder._walk

    def counting(*args):
        walked.append(args[1][PC])
        return real_walk(*args)

    unwinder._walk = counting  # type: ignore[method-assign]
    tracee = Tracee([str(binary)])
    places, callers = set(), []
    try:
        for _ in range(6):
            regs = tracee.run_to("getppid")  # the next one
            memory = tracee.memory()
            got = unwinder.unwind_at(tracee.pid, regs[PC], regs[SP], lambda r=regs: r, memory)
            oracle = Unwinder().unwind(tracee.pid, regs, memory)
            assert [f.addr for f in got[0]] == [f.addr for f in oracle[0]] and got[1] == oracle[1] == "cfi"
            places.add((regs[PC], regs[SP]))
            callers.append(_caller(got[0], symbols))
    finally:
        tracee.close()
    assert callers == ["from_a", "from_b"] * 3
    assert len(places) == 1  # the same pc and sp every time: only the stack's words differ
    assert len(walked) == 2  # one walk from each caller; the other four calls were remembered


def test_a_register_the_walk_read_that_differs_is_not_reused():
    binary = build_program("walk_memo.c", ["-g", "-O0"])  # -O0 frames: the CFA is rbp-based
    unwinder = Unwinder()
    tracee = Tracee([str(binary)])
    try:
        regs = tracee.run_to("getppid")
        memory = tracee.memory()
        first = unwinder.unwind_at(tracee.pid, regs[PC], regs[SP], lambda: regs, memory)
        moved = {**regs, FP: regs[FP] + 64}
        again = unwinder.unwind_at(tracee.pid, regs[PC], regs[SP], lambda: moved, memory)
        oracle = Unwinder().unwind(tracee.pid, moved, memory)
        assert again == oracle and again[0] != first[0]
    finally:
        tracee.close()


def test_forget_drops_the_walks():
    binary = build_program("walk_memo.c", ["-g", "-O0"])
    unwinder = Unwinder()
    tracee = Tracee([str(binary)])
    try:
        regs = tracee.run_to("getppid")
        unwinder.unwind_at(tracee.pid, regs[PC], regs[SP], lambda: regs, tracee.memory())
        assert unwinder._walks[tracee.pid]
        unwinder.forget(tracee.pid)  # an exec: nothing remembered of the old program applies
        assert tracee.pid not in unwinder._walks
    finally:
        tracee.close()


def test_renacer_k_shows_each_caller_of_the_same_place(tmp_path):
    binary = build_program("walk_memo.c", ["-g", "-O0"])
    done = subprocess.run([*renacer_argv(), "-k", "-e", "trace=getppid", "--", str(binary)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    callers = re.findall(r"\((from_[ab])\+0x[0-9a-f]+\)", done.stderr)
    assert callers == ["from_a", "from_b"] * 3
