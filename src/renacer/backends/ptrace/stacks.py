"""What the ptrace backend captures of a stopped task's stack at a syscall entry.

Native frames: raw return addresses, unwound with CFI (``source.unwind``), symbolized later.
Python frames: for a CPython process (``pystack``), its own frame stack, read from the
interpreter's memory with file, function and line already known. With ``--stack=python`` (the
default) a Python process gets only its Python frames; ``native`` only the native ones;
``mixed`` both.
"""

from __future__ import annotations

from collections.abc import Callable

from ...config import Config
from ...events import PYTHON, SourceFrame, StackFrame
from ...source.registers import NT_PRSTATUS, dwarf_registers, register_set, thread_pointer
from ...source.unwind import Unwinder
from ...syscalls.base import MemoryReader
from . import libc

_CONVERTED_KEPT = 4096
Captured = tuple[tuple[StackFrame, ...], str, tuple[SourceFrame, ...]]


class StackCapture:
    """The stacks of one run's tasks: native by CFI, Python from the interpreter's frames."""

    def __init__(self, config: Config, arch: str, stack_stop: Callable[[StackFrame], bool] | None) -> None:
        self.arch = arch  # the Arch's name: picks the RegisterSet and the register blocks' layout
        self.unwinder = Unwinder(arch)
        self.regs = register_set(arch)
        self.stop = stack_stop
        self.mode = config.stack_mode
        self.python = None
        self._converted: dict[int, tuple[tuple, tuple[SourceFrame, ...]]] = {}
        if self.mode != "native":
            from ...pystack import PythonStacks

            self.python = PythonStacks(self.regs.pthread_below)

    def capture(self, tgid: int, tid: int, memory: MemoryReader, ip: int, sp: int,
                remapped: bool) -> Captured:
        """(native frames, how they were walked, Python frames) of a task stopped at a syscall entry.

        ``remapped``: the task may have mapped code since its last capture (a mapping call, traced
        or not), so the module map is read again and an interpreter's library mapped since is found.
        """
        raw: list[bytes | None] = []
        R = self.regs

        def regs_block() -> bytes | None:  # PTRACE_GETREGSET at most once per capture
            if not raw:
                raw.append(libc.get_regs(tid, R.raw_size))
            return raw[0]

        def tls_block() -> bytes | None:  # the thread pointer's register set (aarch64: NT_ARM_TLS)
            if R.tls_note == NT_PRSTATUS:
                return regs_block()
            return libc.get_regset(tid, R.tls_note, R.thread_pointer + R.word)

        python: tuple[SourceFrame, ...] = ()
        if self.python is not None:
            modules = self.unwinder.module_map(tgid, memory, fresh=remapped)
            found = self.python.stack(tgid, tid, memory, modules,
                                      lambda: _maybe(thread_pointer, tls_block(), self.arch))
            if found is not None:
                python = self._source_frames(found)
                if self.mode == "python":
                    return (), "python", python

        def registers() -> dict[int, int]:
            block = regs_block()
            return {} if block is None else dwarf_registers(block, self.arch)

        stack, how = self.unwinder.unwind_at(tgid, ip, sp, registers, memory, stop=self.stop)
        return stack, how, python

    def _source_frames(self, found: tuple) -> tuple[SourceFrame, ...]:
        """Python frames as events carry them; the same tuple for a stack read again (a remembered one
        is the very tuple), so the enricher's work on it is done once too."""
        known = self._converted.get(id(found))
        if known is not None and known[0] is found:
            return known[1]
        python = tuple(SourceFrame(PYTHON, 0, f.qualname, f.filename, f.line, f.inlined) for f in found)
        if len(self._converted) >= _CONVERTED_KEPT:
            self._converted.clear()
        self._converted[id(found)] = (found, python)  # held, so its id is not reused while it is a key
        return python

    def forget(self, tgid: int) -> None:
        """Drop what is known of a process (it exec'd or exited)."""
        self.unwinder.forget(tgid)
        if self.python is not None:
            self.python.forget(tgid)

    def notices(self) -> list[str]:
        """One line each for what could not be read (an unknown interpreter version...)."""
        return self.python.notices() if self.python is not None else []


def _maybe(read: Callable[[bytes, str], int | None], block: bytes | None, arch: str) -> int | None:
    return None if block is None else read(block, arch)
