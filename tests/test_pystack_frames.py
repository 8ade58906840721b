"""Python stacks read from a traced interpreter's memory, checked against the interpreter's own view.

The fixture's audit hook records, just before each marked openat, the stack sys._getframe shows;
the tracer stops at that openat's entry and reads the stack with PythonStacks. Both must agree
frame for frame (file, qualified name, line), on every supported interpreter.
"""

from __future__ import annotations

import json
import os
import random
import signal
import struct
from pathlib import Path

import pytest
from pythons import missing
from test_unwind import Tracee

from renacer.backends.ptrace import libc
from renacer.backends.ptrace.memory import ProcessMemory
from renacer.pystack import PyFrame, PythonStacks, runtime
from renacer.pystack.frames import MAX_FRAMES, FrameWalker
from renacer.pystack.objects import PageCache
from renacer.pystack.offsets import OFFSETS
from renacer.source.modules import ElfCache, ModuleMap
from renacer.source.registers import thread_pointer

PYENV = "/root/.pyenv/versions"
INTERPRETERS = {
    "3.10.13": f"{PYENV}/3.10.13/bin/python3.10",
    "3.11.7": f"{PYENV}/3.11.7/bin/python3.11",
    "3.12.1": f"{PYENV}/3.12.1/bin/python3.12",
    "3.13.0": f"{PYENV}/3.13.0/bin/python3.13",
    "debian-3.11": "/usr/bin/python3.11",
}
FIXTURE = Path(__file__).parent / "programs" / "py_stack.py"
OPENAT = 257


def syscall_entries(tracee: Tracee):
    """Yield (tid, syscall info words) at every syscall entry of any thread until the program exits."""
    if tracee.held is not None:
        libc.ptrace(libc.PTRACE_SYSCALL, tracee.held, 0, 0)
        tracee.held = None
    while tracee.tasks:
        tid, status = libc.wait(-1)
        if tid < 0:
            return
        if not os.WIFSTOPPED(status):
            tracee.tasks.discard(tid)
            if tid == tracee.pid:
                tracee.tasks.clear()
            continue
        tracee.tasks.add(tid)
        sig, deliver = os.WSTOPSIG(status), 0
        if sig == signal.SIGTRAP | 0x80:
            info = libc.get_syscall_info(tid)
            if info.op == libc.SYSCALL_INFO_ENTRY:
                yield tid, tuple(info.words)
        elif sig not in (signal.SIGTRAP, signal.SIGSTOP):
            deliver = sig
        try:
            libc.ptrace(libc.PTRACE_SYSCALL, tid, 0, deliver)
        except OSError:
            tracee.tasks.discard(tid)  # killed meanwhile (the group exited)


def finish(tracee: Tracee) -> None:
    """Kill the program if it is still running (it normally ran to its end)."""
    if tracee.tasks:
        finish(tracee)


class Reader:
    """What renacer's tracer does at a stop: a (remembered) module map, then PythonStacks.stack."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.stacks = PythonStacks()
        self.elves = ElfCache()
        self.maps: ModuleMap | None = None

    def stack(self, tid: int, fresh: bool = True) -> tuple[PyFrame, ...] | None:
        memory = ProcessMemory(tid)
        if fresh or self.maps is None:
            self.maps = ModuleMap.read(self.pid, self.elves, memory, self.maps)

        def fs_base() -> int | None:
            raw = libc.get_regs(tid)
            return None if raw is None else thread_pointer(raw)

        return self.stacks.stack(self.pid, tid, memory, self.maps, fs_base)


def trace_fixture(python: str, tmp_path: Path) -> tuple[dict[str, tuple], dict[str, list], list]:
    """Run the fixture under ptrace: (our stack per marked path, the hook's, results at new threads)."""
    record = tmp_path / "record.jsonl"
    tracee = Tracee([python, str(FIXTURE), str(tmp_path), str(record)])
    reader = Reader(tracee.pid)
    ours: dict[str, tuple] = {}
    fresh_threads = []
    seen = {tracee.pid}
    try:
        for tid, words in syscall_entries(tracee):
            if tid not in seen:
                seen.add(tid)
                fresh_threads.append(reader.stack(tid))  # its first syscall: no Python code has run
            if words[0] != OPENAT:
                continue
            found = ProcessMemory(tid).read_cstr(words[2], 4096)
            path = found[0].decode() if found else ""
            if "/mark-" in path:
                ours[path] = (tid, reader.stack(tid))
    finally:
        finish(tracee)
    theirs = {}
    for line in record.read_text().splitlines():
        entry = json.loads(line)
        theirs[entry["path"]] = [entry["tid"], entry["frames"]]
    return ours, theirs, fresh_threads


@pytest.mark.parametrize("name", INTERPRETERS)
def test_stack_matches_the_interpreters_own(name: str, tmp_path: Path) -> None:
    python = INTERPRETERS[name]
    if not os.path.exists(python):
        missing(python)
    ours, theirs, fresh_threads = trace_fixture(python, tmp_path)
    assert len(theirs) == 11, sorted(theirs)
    assert sorted(ours) == sorted(theirs)
    for path, (tid, frames) in ours.items():
        their_tid, their_frames = theirs[path]
        assert tid == their_tid, path
        assert frames is not None, path
        assert [[f.filename, f.qualname, f.line] for f in frames] == their_frames, path
    # a new thread's first syscall comes before it runs any Python: a Python process, no frames
    assert fresh_threads and all(found == () for found in fresh_threads)


def test_non_python_process_has_no_python_stack(tmp_path: Path) -> None:
    tracee = Tracee(["/bin/true"])
    reader = Reader(tracee.pid)
    try:
        results = [reader.stack(tid) for tid, _ in syscall_entries(tracee)]
    finally:
        finish(tracee)
    assert results and all(found is None for found in results)
    assert reader.stacks.notices() == []


def test_unknown_version_gives_one_notice_and_no_stacks(tmp_path: Path) -> None:
    python = f"{PYENV}/3.9.18/bin/python3.9"  # found by its _PyRuntime symbol; no offsets for 3.9
    if not os.path.exists(python):
        pytest.skip(f"{python} is not installed")  # not a supported interpreter: CI may lack it
    tracee = Tracee([python, "-c", "import os; os.getppid()"])
    reader = Reader(tracee.pid)
    try:
        results = [reader.stack(tid) for tid, _ in syscall_entries(tracee)]
    finally:
        finish(tracee)
    assert results and all(found is None for found in results)
    assert reader.stacks.notices() == ["python 3.9: unknown interpreter version, native frames only"]


def test_runtime_is_trusted_only_once_its_data_is_mapped(tmp_path: Path) -> None:
    python = INTERPRETERS["3.12.1"]
    if not os.path.exists(python):
        missing(python)
    tracee = Tracee([python, "-c", "import os; os.getppid()"])
    reader = Reader(tracee.pid)
    seen = []  # (libpython's code mapped, its data mapped, the stack read)
    try:
        for tid, _ in syscall_entries(tracee):
            maps = Path(f"/proc/{tracee.pid}/maps").read_text().splitlines()
            lib = [line.split()[1] for line in maps if "libpython3.12" in line]
            seen.append(("r-xp" in lib, "rw-p" in lib, reader.stack(tid)))
    finally:
        finish(tracee)
    # the loader maps the library's code before its data: the trap must have been met, and read as None
    assert any(code and not data for code, data, _ in seen)
    assert all(found is None for _, data, found in seen if not data)
    # then the runtime is not initialized yet (a Python process, no frames), then frames
    read = [found for _, data, found in seen if data]
    first_frames = next(i for i, found in enumerate(read) if found)
    assert () in read[:first_frames] and None not in read


class Garbage:
    """Memory of random words, many of them plausible pointers back into it (cycles included)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def read(self, addr: int, size: int) -> bytes | None:
        if addr % 4096 == 0 and (addr >> 12) % 7 == 0:
            return None  # some pages are not mapped
        rng = random.Random(self.seed * 1_000_003 + addr)
        words = [rng.choice((rng.randrange(1 << 64), 0x10000 + rng.randrange(64) * 8, 0, 3, 1))
                 for _ in range(-(-size // 8))]
        return struct.pack(f"<{len(words)}Q", *words)[:size]

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        return None


@pytest.mark.parametrize("version", sorted(OFFSETS), ids=lambda v: ".".join(map(str, v)))
def test_garbage_memory_never_raises(version: tuple[int, int, int]) -> None:
    walker = FrameWalker(version, OFFSETS[version], None)
    for seed in range(200):
        frames, walked = walker.walk(PageCache(Garbage(seed)), 0x10000 + seed * 8)
        assert isinstance(frames, tuple) and len(frames) <= MAX_FRAMES
        assert walked is None or len(walked.frames) >= len(frames)
        assert all(isinstance(f.qualname, str) and isinstance(f.line, int) for f in frames)


def test_debug_offsets_are_checked_against_the_table() -> None:
    version = (3, 13, 0)
    o = OFFSETS[version]
    size = max(getattr(o, f) for f in dir(o) if f.startswith("debug_")) + 8
    good = bytearray(size)
    good[:8] = b"xdebugpy"
    struct.pack_into("<Q", good, o.debug_version, 0x030D00F0)
    for theirs, ours in runtime._DEBUG_CHECKS:
        struct.pack_into("<Q", good, getattr(o, theirs), getattr(o, ours))

    class Memory:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, addr: int, size: int) -> bytes:
            return self.data[:size]

    assert runtime._debug_mismatch(Memory(bytes(good)), 0x1000, version, o) == ""
    bad = bytearray(good)
    struct.pack_into("<Q", bad, o.debug_frame_instr_ptr, o.frame_instr + 8)
    assert "frame_instr" in runtime._debug_mismatch(Memory(bytes(bad)), 0x1000, version, o)
    assert "version" in runtime._debug_mismatch(Memory(bytes(good)), 0x1000, (3, 13, 1), o)
    assert "cookie" in runtime._debug_mismatch(Memory(bytes(8) + bytes(good[8:])), 0x1000, version, o)
