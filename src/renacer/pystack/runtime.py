"""Finding a traced process's CPython runtime, its version and a thread's state, from memory alone.

``_PyRuntime`` is where the ``.PyRuntime`` section of the executable or of a mapped libpython
says, plus the module's load bias. The version is ``Py_Version`` (3.11+) read from the process,
else the library's file name (3.10); offsets come from the generated table. A library is
mapped before its data segment, so the runtime is trusted only once the mapping holding it is
the file's own bytes at the right offset.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from ..source.modules import Mapping, Module, ModuleMap, parse_maps
from ..syscalls.base import MemoryReader
from .elfsyms import RuntimeImage, RuntimeImages
from .frames import FrameWalker, PyFrame
from .objects import PageCache, pointer
from .offsets import OFFSETS, PyOffsets
from .remembered import Remembered

MAX_INTERPRETERS = 64
MAX_THREADS = 4096
HOT_PAGES = 16
MAX_HOT_CODES = 128
MAX_MAPPINGS = 4096  # mappings whose runtime image is remembered
_Q = struct.Struct("<Q")
_NAME_VERSION = re.compile(r"python(\d+)\.(\d+)")
_DEBUG_COOKIE = b"xdebugpy"
# 3.13's _Py_DebugOffsets fields checked against the generated table: (its field, ours)
_DEBUG_CHECKS = (
    ("debug_runtime_interpreters_head", "runtime_interpreters_head"),
    ("debug_interp_threads_head", "interp_threads_head"),
    ("debug_tstate_current_frame", "tstate_current_frame"),
    ("debug_tstate_native_thread_id", "tstate_native_thread_id"),
    ("debug_frame_previous", "frame_previous"),
    ("debug_frame_executable", "frame_code"),
    ("debug_frame_instr_ptr", "frame_instr"),
    ("debug_code_filename", "co_filename"),
    ("debug_code_qualname", "co_qualname"),
    ("debug_code_linetable", "co_linetable"),
    ("debug_code_adaptive", "co_code_adaptive"),
)


def offsets_for(version: tuple[int, ...]) -> tuple[tuple[int, int, int], PyOffsets] | None:
    """The table entry for ``version`` (major, minor[, micro]): exact, else the minor's if all its
    known micros agree; None when unknown."""
    if len(version) == 3 and version in OFFSETS:
        return version, OFFSETS[version]  # type: ignore[index]
    same = sorted(v for v in OFFSETS if v[:2] == tuple(version[:2]))
    if same and all(OFFSETS[v] == OFFSETS[same[0]] for v in same):
        return (*version[:2], version[2] if len(version) == 3 else same[-1][2]), OFFSETS[same[-1]]
    return None


def _read_pointer(memory: MemoryReader, addr: int) -> int | None:
    data = memory.read(addr, 8)
    return _Q.unpack(data)[0] if data and len(data) == 8 else None


@dataclass(slots=True)
class _Interpreter:
    """The CPython runtime found in one process, and how far it has been checked."""

    module: Module  # the executable mapping of the file that holds it
    runtime: int  # absolute address of _PyRuntime
    file_offset: int  # where its bytes come from in ``path``
    version_at: int | None  # absolute address of Py_Version
    code_type: int | None  # absolute address of PyCode_Type
    walker: FrameWalker | None = None  # set once the runtime is trusted and the version known
    remembered: Remembered | None = None  # threads' stacks checked in one read (readers that can)
    failed: bool = False  # unknown version or offsets that disagree: never read


@dataclass(slots=True)
class _Process:
    modules: ModuleMap | None = None  # the map last looked at
    exe: str | None = None
    interp: _Interpreter | None = None
    # tid -> the pages and code objects its last read used, fetched together on its next
    hot: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)


class PythonStacks:
    """Reads Python stacks of traced processes; one per run, shared by all processes."""

    def __init__(self, pthread_below: int = 0) -> None:
        """``pthread_below``: how far below the thread pointer pthread_self() may lie (the
        RegisterSet's; 0 where the thread pointer is pthread_self(), as on x86_64)."""
        self.pthread_below = pthread_below
        self._images = RuntimeImages()
        self._modules: dict[Module, RuntimeImage | None] = {}  # mappings already looked at, any process
        self._processes: dict[int, _Process] = {}
        self._notices: list[str] = []

    def stack(self, tgid: int, tid: int, memory: MemoryReader, modules: ModuleMap,
              thread_pointer: Callable[[], int | None]) -> tuple[PyFrame, ...] | None:
        """The thread's Python frames, innermost first. None: not a Python process (or not one we
        can read: unknown version -> one notice). (): a Python process but this thread has no
        Python frames now (start-up, an exiting thread)."""
        proc = self._processes.get(tgid)
        if proc is None:
            proc = self._processes[tgid] = _Process()
        if modules is not proc.modules:
            self._scan(tgid, proc, modules)
        interp = proc.interp
        if interp is None or interp.failed:
            return None
        if interp.walker is None and not self._prepare(tgid, interp, memory, modules):
            return None
        if interp.remembered is not None:
            known = interp.remembered.lookup(memory, tid)
            if known is not None:
                return known
        pages = PageCache(memory)
        hot_pages, hot_codes = proc.hot.get(tid, ((), ()))
        pages.prefetch(hot_pages, hot_codes, interp.walker.codes.header)  # type: ignore[union-attr]
        try:
            return self._thread_frames(interp, interp.walker, tid, pages, thread_pointer)  # type: ignore[arg-type]
        except (struct.error, ValueError, OverflowError, IndexError):
            return ()  # memory that made no sense: a Python process, no frames to show
        finally:
            if len(proc.hot) > MAX_THREADS:
                proc.hot.clear()
            proc.hot[tid] = (list(pages.used)[:HOT_PAGES], pages.wanted[:MAX_HOT_CODES])

    def forget(self, tgid: int) -> None:
        """Drop everything known of a process (it exec'd or exited)."""
        self._processes.pop(tgid, None)

    def notices(self) -> list[str]:
        """One line each for interpreters that could not be read."""
        return list(self._notices)

    def _notice(self, text: str) -> None:
        if text not in self._notices:
            self._notices.append(text)

    def _scan(self, tgid: int, proc: _Process, modules: ModuleMap) -> None:
        """Find the module holding a CPython runtime (the executable or a libpython)."""
        proc.modules = modules
        if proc.interp is not None and proc.interp.module in modules.modules:
            return  # the same interpreter as before: keep what is known of it
        proc.interp = None
        if proc.exe is None:
            try:
                proc.exe = os.readlink(f"/proc/{tgid}/exe")
            except OSError:
                proc.exe = ""
        for module in modules.modules:
            if module.path.startswith("[") or ("python" not in os.path.basename(module.path)
                                               and module.path != proc.exe):
                continue
            image = self._image(tgid, module)
            if image is not None:
                proc.interp = _Interpreter(
                    module, image.runtime + module.bias, image.runtime_file_offset,
                    None if image.version_symbol is None else image.version_symbol + module.bias,
                    None if image.code_type is None else image.code_type + module.bias)
                return

    def _image(self, tgid: int, module: Module) -> RuntimeImage | None:
        """The runtime image of a mapped file, looked up once per mapping (the same in every fork)."""
        if module in self._modules:
            return self._modules[module]
        if len(self._modules) >= MAX_MAPPINGS:
            self._modules.clear()
        image = self._modules[module] = self._images.get(
            f"/proc/{tgid}/map_files/{module.start:x}-{module.end:x}", module.path)
        return image

    def _prepare(self, tgid: int, interp: _Interpreter, memory: MemoryReader, modules: ModuleMap) -> bool:
        """Check the runtime's mapping, learn the version and pick offsets; False until all are known."""
        if not _mapped_from_file(tgid, modules, interp.runtime, interp.file_offset):
            return False  # the loader has not mapped the data segment yet
        if interp.version_at is not None:
            hexversion = _read_pointer(memory, interp.version_at)
            if not hexversion:
                return False
            hexversion &= 0xFFFFFFFF
            version: tuple[int, ...] = (hexversion >> 24, hexversion >> 16 & 0xFF, hexversion >> 8 & 0xFF)
        else:
            named = _NAME_VERSION.search(os.path.basename(interp.module.path))
            if named is None:
                interp.failed = True
                return False
            version = (int(named.group(1)), int(named.group(2)))
        label = "python " + ".".join(map(str, version))
        chosen = offsets_for(version)
        if chosen is None:
            self._notice(f"{label}: unknown interpreter version, native frames only")
            interp.failed = True
            return False
        exact, offsets = chosen
        if offsets.debug_version >= 0:
            problem = _debug_mismatch(memory, interp.runtime, exact, offsets)
            if problem:
                self._notice(f"{label}: {problem}, native frames only")
                interp.failed = True
                return False
        interp.walker = walker = FrameWalker(exact, offsets, interp.code_type)
        if hasattr(memory, "read_gather"):  # a reader that can check a remembered stack in one read
            modern = offsets.tstate_native_thread_id >= 0
            interp.remembered = Remembered(
                walker, offsets.tstate_native_thread_id if modern else offsets.tstate_thread_id,
                _frame_field(offsets), offsets.cframe_current_frame if offsets.tstate_cframe >= 0 else -1)
        return True

    def _thread_frames(self, interp: _Interpreter, walker: FrameWalker, tid: int, memory: PageCache,
                       thread_pointer: Callable[[], int | None]) -> tuple[PyFrame, ...]:
        """The frames of the thread state that belongs to ``tid`` (one with frames, if several claim it)."""
        o = walker.o
        head = _read_pointer(memory, interp.runtime + o.runtime_interpreters_head)
        if not head or not pointer(head):
            return ()  # the runtime is not initialized yet
        if o.tstate_native_thread_id >= 0:
            id_at, lowest, wanted = o.tstate_native_thread_id, tid, tid
        else:  # 3.10 knows threads by pthread_self(), at or just below the thread pointer
            base = thread_pointer()
            if base is None:
                return ()
            id_at, lowest, wanted = o.tstate_thread_id, base - self.pthread_below, base
        frame_at = _frame_field(o)
        size = max(id_at, frame_at, o.tstate_next) + 8
        interps: set[int] = set()
        while pointer(head) and head not in interps and len(interps) < MAX_INTERPRETERS:
            interps.add(head)
            tstate = _read_pointer(memory, head + o.interp_threads_head)
            seen: set[int] = set()
            while tstate is not None and pointer(tstate) and tstate not in seen and len(seen) < MAX_THREADS:
                seen.add(tstate)
                block = memory.read(tstate, size)
                if not block or len(block) < size:
                    break
                if lowest <= _Q.unpack_from(block, id_at)[0] <= wanted:
                    frame = cframe = _Q.unpack_from(block, frame_at)[0]
                    if o.tstate_cframe >= 0 and pointer(frame):
                        frame = _read_pointer(memory, frame + o.cframe_current_frame) or 0
                    frames, walked = walker.walk(memory, frame)
                    if frames:
                        if walked is not None and interp.remembered is not None:
                            interp.remembered.keep(memory.memory, tid, tstate, cframe, walked, frames)
                        return frames
                tstate = _Q.unpack_from(block, o.tstate_next)[0]
            head = _read_pointer(memory, head + o.interp_next) or 0
        return ()


def _frame_field(o: PyOffsets) -> int:
    """Where a thread state points at its frames: the frame (3.10), C frame (3.11, 3.12) or current
    frame (3.13+) field, whichever the version has."""
    return max(o.tstate_frame, o.tstate_cframe, o.tstate_current_frame)


def _mapped_from_file(tgid: int, modules: ModuleMap, addr: int, file_offset: int) -> bool:
    """Whether the mapping holding ``addr`` maps the file's bytes meant for it (offset matches), or for
    a runtime in .bss (``file_offset`` -1), whether writable memory holds it."""
    text = modules.text
    if not text:
        try:
            with open(f"/proc/{tgid}/maps") as f:
                text = f.read()
        except OSError:
            return False
    mapping: Mapping
    for mapping in parse_maps(text):
        if mapping.start <= addr < mapping.end:
            if file_offset < 0:
                return "w" in mapping.perms
            return mapping.offset + (addr - mapping.start) == file_offset
    return False


def _debug_mismatch(memory: MemoryReader, runtime: int, version: tuple[int, int, int], o: PyOffsets) -> str:
    """'' when 3.13's _Py_DebugOffsets agree with the table, else what disagrees."""
    size = max(getattr(o, theirs) for theirs, _ in _DEBUG_CHECKS) + 8
    data = memory.read(runtime, size)
    if not data or len(data) < size:
        return "cannot read _Py_DebugOffsets"
    if data[:8] != _DEBUG_COOKIE:
        return "no _Py_DebugOffsets cookie"
    hexversion = _Q.unpack_from(data, o.debug_version)[0]
    if (hexversion >> 24, hexversion >> 16 & 0xFF, hexversion >> 8 & 0xFF) != version:
        return f"_Py_DebugOffsets says version {hexversion:#x}"
    for theirs, ours in _DEBUG_CHECKS:
        if _Q.unpack_from(data, getattr(o, theirs))[0] != getattr(o, ours):
            return f"offset of {ours} differs from the interpreter's _Py_DebugOffsets"
    return ""
