"""The live stack unwinder, checked against gdb's backtraces of the same syscall stops.

Both sides run the fixture with ASLR off (gdb by default, ours by personality(ADDR_NO_RANDOMIZE)),
so the return addresses are equal numbers. gdb's inline and tail-call frames are not stack
frames (they share a pc or have none of their own) and are left out of its list.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from fidelity import build_id as _build_id
from fidelity import build_program
from fidelity import sleb as _sleb
from fidelity import uleb as _uleb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renacer.backends.ptrace import libc
from renacer.backends.ptrace.memory import ProcessMemory
from renacer.source.dwarfexpr import evaluate
from renacer.source.frametable import FrameTable
from renacer.source.modules import ElfCache, ElfImage, ModuleMap, parse_maps
from renacer.source.registers import dwarf_registers
from renacer.source.unwind import Unwinder

SYSCALLS = {"getppid": 110, "tgkill": 234, "brk": 12, "rt_sigreturn": 15}
ADDR_NO_RANDOMIZE = 0x0040000
C = "unwind_stack.c"
BUILDS = {
    "O0": ("gcc", C, ("-O0", "-g")),
    "O2": ("gcc", C, ("-O2", "-g", "-fomit-frame-pointer")),
    "nocfi": ("gcc", C, ("-O0", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
                         "-fno-omit-frame-pointer")),
    "debugframe": ("gcc", C, ("-O2", "-g", "-fomit-frame-pointer", "-fno-asynchronous-unwind-tables")),
    "rust": ("rustc", "unwind_rust.rs", ("-g", "-C", "opt-level=2")),
}
# name -> (build, argv[1:], syscall, which entry of it)
CASES = {
    "calls-O0": ("O0", ["calls"], "getppid", 1),
    "calls-O2": ("O2", ["calls"], "getppid", 1),
    "qsort-O2": ("O2", ["qsort"], "getppid", 1),
    "signal-O0": ("O0", ["signal"], "getppid", 1),
    "signal-O2": ("O2", ["signal"], "getppid", 1),
    "altstack-O2": ("O2", ["altstack"], "getppid", 1),
    "rawsig-O2": ("O2", ["rawsig"], "getppid", 1),
    "rawsig-O2-interrupted": ("O2", ["rawsig"], "tgkill", 1),  # where the signal found it
    "deep-O0": ("O0", ["deep"], "getppid", 1),
    "corrupt-O0": ("O0", ["corrupt"], "getppid", 1),
    "corrupt-O2": ("O2", ["corrupt"], "getppid", 1),
    "calls-nocfi": ("nocfi", ["calls"], "getppid", 1),
    "calls-debugframe": ("debugframe", ["calls"], "getppid", 1),
    "rust-main": ("rust", [], "getppid", 1),
    "rust-thread": ("rust", [], "getppid", 2),
}

_libc = ctypes.CDLL(None, use_errno=True)


@pytest.fixture(scope="session")
def binaries() -> dict[str, Path]:
    """Every build of the fixtures, compiled once per source hash."""
    if not shutil.which("gcc") or not shutil.which("rustc"):
        pytest.skip("gcc and rustc are needed")
    return {name: build_program(source, flags, compiler)
            for name, (compiler, source, flags) in BUILDS.items()}


_GDB_SCRIPT = """
import gdb, json, os
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set startup-with-shell off")
gdb.execute("set debug-file-directory /nonexistent")
gdb.execute("set backtrace past-main on")
gdb.execute("set backtrace past-entry on")
gdb.execute("set backtrace limit 100")
results = {}
for name, (binary, args, syscall, stops) in json.loads(os.environ["UNWIND_CASES"]).items():
    gdb.execute("file " + binary, to_string=True)
    gdb.execute("delete", to_string=True)
    gdb.execute("catch syscall " + syscall, to_string=True)
    gdb.execute("handle SIGUSR1 SIGUSR2 nostop noprint pass", to_string=True)
    gdb.execute("set args " + " ".join(args))
    gdb.execute("run", to_string=True)
    for _ in range(stops - 1):
        gdb.execute("continue", to_string=True)
    pcs, frame = [], gdb.newest_frame()
    while frame is not None:
        if frame.type() not in (gdb.INLINE_FRAME, gdb.TAILCALL_FRAME):
            pcs.append(frame.pc())
        try:
            frame = frame.older()
        except gdb.error:
            break
    results[name] = pcs
    gdb.execute("kill", to_string=True)
print("RESULT " + json.dumps(results))
"""


@pytest.fixture(scope="session")
def gdb_stacks(binaries: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[int]]:
    """gdb's frame pcs for every case, from one gdb session (catch syscall, then walk the frames)."""
    if not shutil.which("gdb"):
        pytest.skip("gdb is not installed")
    script = tmp_path_factory.mktemp("gdb") / "stacks.py"
    script.write_text(_GDB_SCRIPT)
    # catch syscall stops at entry and at return: the n-th entry is the (2n-1)-th stop
    cases = {name: (str(binaries[b]), args, sc, 2 * n - 1) for name, (b, args, sc, n) in CASES.items()}
    env = {**os.environ, "UNWIND_CASES": json.dumps(cases)}
    done = subprocess.run(["gdb", "-batch", "-nx", "-x", str(script)], env=env, capture_output=True,
                          text=True, timeout=120)
    found = re.search(r"^RESULT (.*)$", done.stdout, re.M)
    assert found, done.stdout + done.stderr
    return json.loads(found.group(1))


class Tracee:
    """A fixture program under ptrace with ASLR off, stopped at chosen syscall entries."""

    def __init__(self, argv: list[str]) -> None:
        pid = os.fork()
        if pid == 0:  # the child: be traced, keep gdb's address layout, become the program
            try:
                libc.ptrace(0, 0)  # PTRACE_TRACEME
                _libc.personality(ADDR_NO_RANDOMIZE)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        self.pid = self.tid = pid
        libc.wait(pid)  # the exec stop
        libc.ptrace(libc.PTRACE_SETOPTIONS, pid, 0,
                    libc.PTRACE_O_TRACESYSGOOD | libc.PTRACE_O_EXITKILL | libc.PTRACE_O_TRACECLONE)
        self.tasks = {pid}
        self.held: int | None = pid  # the task left stopped, resumed by the next run_to

    def run_to(self, syscall: str, nth: int = 1) -> dict[int, int]:
        """Run until the ``nth`` entry into ``syscall`` (any thread); that task's DWARF registers."""
        nr, seen = SYSCALLS[syscall], 0
        if self.held is not None:
            libc.ptrace(libc.PTRACE_SYSCALL, self.held, 0, 0)
            self.held = None
        while True:
            tid, status = libc.wait(-1)
            if tid not in self.tasks and not (tid > 0 and os.WIFSTOPPED(status)):
                continue
            self.tasks.add(tid)
            if not os.WIFSTOPPED(status):
                self.tasks.discard(tid)
                assert tid != self.pid, f"exited before {syscall} #{nth}"
                continue
            sig, deliver = os.WSTOPSIG(status), 0
            if sig == signal.SIGTRAP | 0x80:
                info = libc.get_syscall_info(tid)
                if info.op == libc.SYSCALL_INFO_ENTRY and info.words[0] == nr:
                    seen += 1
                    if seen == nth:
                        self.held = self.tid = tid
                        raw = libc.get_regs(tid)
                        assert raw is not None
                        return dwarf_registers(raw)
            elif sig not in (signal.SIGTRAP, signal.SIGSTOP):
                deliver = sig  # the program's own signals (SIGUSR1...) go through
            libc.ptrace(libc.PTRACE_SYSCALL, tid, 0, deliver)

    def memory(self) -> ProcessMemory:
        return ProcessMemory(self.tid)

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        while self.tasks:
            tid, _ = libc.wait(-1)
            if tid < 0:
                break
            self.tasks.discard(tid)


@pytest.fixture(scope="module")
def unwinder() -> Unwinder:
    """One unwinder for all tests, as one run shares it across processes."""
    return Unwinder()


def unwind_case(name: str, binaries: dict[str, Path], unwinder: Unwinder, limit: int = 64):
    build, args, syscall, nth = CASES[name]
    tracee = Tracee([str(binaries[build]), *args])
    try:
        regs = tracee.run_to(syscall, nth)
        frames, how = unwinder.unwind(tracee.pid, regs, tracee.memory(), limit)
    finally:
        tracee.close()
        unwinder.forget(tracee.pid)
    return frames, how


def pcs(frames) -> list[int]:
    return [f.addr for f in frames]


@pytest.mark.parametrize("name", ["calls-O0", "calls-O2", "rust-main", "rust-thread", "calls-debugframe"])
def test_cfi_stack_equals_gdbs_backtrace(name, binaries, gdb_stacks, unwinder):
    frames, how = unwind_case(name, binaries, unwinder)
    assert pcs(frames) == gdb_stacks[name]
    assert how == "cfi"


def test_frames_name_their_module_and_module_offset(binaries, unwinder):
    frames, _ = unwind_case("calls-O2", binaries, unwinder)
    exe = str(binaries["O2"])
    assert frames[0].module.endswith("libc.so.6") and frames[0].build_id == _build_id(Path(frames[0].module))
    assert [f.module for f in frames[1:5]] == [exe] * 4
    assert {f.build_id for f in frames[1:5]} == {_build_id(binaries["O2"])}
    symbols = _symbols(binaries["O2"])  # the return addresses fall in the callers, bias removed
    assert [_symbol_at(symbols, f.offset - 1) for f in frames[1:5]] == ["inner", "middle", "outer", "main"]


def _symbols(binary: Path) -> list[tuple[int, int, str]]:
    out = subprocess.run(["nm", "-S", "--defined-only", str(binary)], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT":
            found.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    return found


def _symbol_at(symbols: list[tuple[int, int, str]], offset: int) -> str:
    return next((name for start, size, name in symbols if start <= offset < start + size), "")


def test_calls_through_a_shared_library_keep_its_frames(binaries, gdb_stacks, unwinder):
    frames, how = unwind_case("qsort-O2", binaries, unwinder)
    assert pcs(frames) == gdb_stacks["qsort-O2"]
    assert how == "cfi"
    exe = str(binaries["O2"])
    compare, main = 1, next(i for i, f in enumerate(frames) if i > 1 and f.module == exe)
    assert frames[compare].module == exe
    assert main - compare >= 2 and all(f.module.endswith("libc.so.6") for f in frames[compare + 1 : main])


@pytest.mark.parametrize("name", ["signal-O0", "signal-O2", "altstack-O2"])
def test_a_syscall_in_a_signal_handler_unwinds_through_the_signal_frame_to_main(name, binaries, gdb_stacks,
                                                                                unwinder):
    frames, how = unwind_case(name, binaries, unwinder)
    assert pcs(frames) == gdb_stacks[name]
    assert how == "cfi"
    exe = binaries[CASES[name][0]]
    symbols = _symbols(exe)
    names = [_symbol_at(symbols, f.offset - 1) if f.module == str(exe) else "" for f in frames]
    assert names.index("handler") < names.index("main")


def test_a_signal_trampoline_without_cfi_is_recognised_by_its_code(binaries, gdb_stacks, unwinder):
    frames, how = unwind_case("rawsig-O2", binaries, unwinder)
    # gdb loses its way after our CFI-less restorer; its stack at the interrupted tgkill is the oracle
    assert pcs(frames) == gdb_stacks["rawsig-O2"][:3] + gdb_stacks["rawsig-O2-interrupted"]
    nm = subprocess.run(["nm", str(binaries["O2"])], capture_output=True, text=True).stdout
    assert f"{frames[2].offset:016x} T raw_restorer" in nm  # the handler returned into the restorer
    assert how == "cfi"


@pytest.mark.parametrize("mode", ["rawsig", "signal"])
def test_a_stop_at_rt_sigreturn_itself_unwinds_to_the_interrupted_code(mode, binaries, gdb_stacks, unwinder):
    tracee = Tracee([str(binaries["O2"]), mode])
    try:
        regs = tracee.run_to("rt_sigreturn")
        frames, how = unwinder.unwind(tracee.pid, regs, tracee.memory())
    finally:
        tracee.close()
        unwinder.forget(tracee.pid)
    # below getppid, handler and the trampoline: the code the signal interrupted
    after = gdb_stacks["rawsig-O2-interrupted"] if mode == "rawsig" else gdb_stacks["signal-O2"][3:]
    assert pcs(frames)[1:] == after
    assert how == "cfi"


def test_recursion_deeper_than_the_limit_is_a_truncated_stack(binaries, gdb_stacks, unwinder):
    frames, how = unwind_case("deep-O0", binaries, unwinder, limit=64)
    assert len(frames) == 64
    assert pcs(frames) == gdb_stacks["deep-O0"][:64]
    assert how == "truncated stack"


@pytest.mark.parametrize("name", ["corrupt-O0", "corrupt-O2"])
def test_a_corrupt_stack_ends_in_a_truncated_stack_without_error(name, binaries, gdb_stacks, unwinder):
    frames, how = unwind_case(name, binaries, unwinder)
    assert how == "truncated stack"
    assert pcs(frames)[:2] == gdb_stacks[name][:2]  # getppid, then corrupt(): sound up to the garbage
    assert len(frames) <= 3


def test_a_module_without_cfi_is_walked_by_frame_pointers(binaries, gdb_stacks, unwinder):
    frames, how = unwind_case("calls-nocfi", binaries, unwinder)
    assert pcs(frames) == gdb_stacks["calls-nocfi"]
    assert how == "frame-pointer fallback"


def test_debug_frame_from_a_separate_debug_file(binaries, gdb_stacks, tmp_path):
    binary = tmp_path / "stripped"
    build_id = _build_id(binaries["debugframe"])
    debug = tmp_path / ".build-id" / build_id[:2] / f"{build_id[2:]}.debug"
    debug.parent.mkdir(parents=True)
    subprocess.run(["objcopy", "--only-keep-debug", str(binaries["debugframe"]), str(debug)], check=True)
    subprocess.run(["strip", "-g", "-o", str(binary), str(binaries["debugframe"])], check=True)
    results = []
    for elves in (ElfCache(debug_root=str(tmp_path / ".build-id")), ElfCache()):
        tracee = Tracee([str(binary), "calls"])
        try:
            regs = tracee.run_to("getppid")
            results.append(Unwinder(elves=elves).unwind(tracee.pid, regs, tracee.memory()))
        finally:
            tracee.close()
    (found, how), (without, _) = results
    assert pcs(found) == gdb_stacks["calls-debugframe"] and how == "cfi"
    assert pcs(without) != gdb_stacks["calls-debugframe"]  # the stripped file alone cannot say


def test_a_pc_in_a_module_mapped_after_the_first_walk_rereads_the_maps(binaries, gdb_stacks):
    unwinder = Unwinder()
    tracee = Tracee([str(binaries["O2"]), "calls"])
    try:
        early, _ = unwinder.unwind(tracee.pid, tracee.run_to("brk"), tracee.memory())  # before libc is mapped
        frames, how = unwinder.unwind(tracee.pid, tracee.run_to("getppid"), tracee.memory())
    finally:
        tracee.close()
    assert early[0].module.endswith("ld-linux-x86-64.so.2")
    assert pcs(frames) == gdb_stacks["calls-O2"] and how == "cfi"


def test_a_deleted_executable_is_read_through_map_files(binaries, gdb_stacks, tmp_path, unwinder):
    copy = tmp_path / "doomed"
    shutil.copy(binaries["O2"], copy)
    tracee = Tracee([str(copy), "calls"])
    try:
        regs = tracee.run_to("getppid")
        copy.unlink()
        frames, how = unwinder.unwind(tracee.pid, regs, tracee.memory())
    finally:
        tracee.close()
        unwinder.forget(tracee.pid)
    assert pcs(frames) == gdb_stacks["calls-O2"] and how == "cfi"
    assert frames[1].module == str(copy) and frames[1].build_id == _build_id(binaries["O2"])


def test_module_map_biases_build_ids_and_vdso(binaries):
    tracee = Tracee([str(binaries["O2"]), "calls"])
    try:
        regs = tracee.run_to("getppid")
        with open(f"/proc/{tracee.pid}/maps") as f:
            lines = [line.split() for line in f]
        maps = ModuleMap.read(tracee.pid, ElfCache(), tracee.memory())
        bare = ModuleMap.read(tracee.pid)
    finally:
        tracee.close()
    exe = str(binaries["O2"])
    first = {parts[5]: int(parts[0].split("-")[0], 16) for parts in reversed(lines) if len(parts) == 6}
    libc_module = maps.find(regs[16])
    assert libc_module is not None and libc_module.path.endswith("libc.so.6")
    for module in (libc_module, next(m for m in maps.modules if m.path == exe)):
        assert module.bias == first[module.path]  # both link at 0: the bias is where offset 0 is mapped
        assert module.build_id == _build_id(Path(module.path))
        assert module.relative(module.start) == module.start - module.bias
    vdso = next(m for m in maps.modules if m.path == "[vdso]")
    assert vdso.build_id and vdso.bias == vdso.start
    assert next(m for m in bare.modules if m.path == "[vdso]").build_id == ""  # no memory, no image
    assert maps.find(0) is None and maps.find(libc_module.end) != libc_module


def test_ptrace_register_block_maps_to_dwarf_numbers(binaries):
    tracee = Tracee([str(binaries["O0"]), "calls"])
    try:
        regs = tracee.run_to("getppid")
        info = libc.get_syscall_info(tracee.pid)
        assert (regs[16], regs[7]) == (info.instruction_pointer, info.stack_pointer)  # rip, rsp
    finally:
        tracee.close()
    assert dwarf_registers(b"\0" * 100) == {}  # a short block is no registers at all


# --- the CFI decoder against readelf's own interpretation ---------------------------------------

_NAMES = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", *(f"r{i}" for i in range(8, 16)), "ra"]


@functools.cache
def _readelf_rows(binary: Path) -> list[tuple[int, str, dict[str, str]]]:
    """(pc, CFA text, {column: rule text}) for every row readelf -wF prints for the FDEs."""
    return list(_readelf_lines(binary))


def _readelf_lines(binary: Path):
    out = subprocess.run(["readelf", "-wF", str(binary)], capture_output=True, text=True).stdout
    columns: list[str] = []
    in_fde = False
    for line in out.splitlines():
        if " FDE " in line or " CIE " in line:
            in_fde, columns = " FDE " in line, []
        elif line.strip().startswith("LOC"):
            columns = line.split()[2:]
        elif in_fde and columns and re.match(r"^[0-9a-f]{16} ", line):
            parts = re.sub(r"\br\d+ \((\w+)\)", r"\1", line).split()  # 'r10 (r10)': one column
            yield int(parts[0], 16), parts[1], dict(zip(columns, parts[2:], strict=False))


def _rule_text(kind: int, arg) -> str:
    return {0: "u", 1: "s", 5: "exp", 6: "vexp"}.get(kind) or (
        f"c{arg:+d}" if kind == 2 else f"v{arg:+d}" if kind == 3 else _NAMES[arg] if arg < 17 else f"r{arg}")


@functools.cache
def _image(path: Path) -> ElfImage:
    image = ElfCache().open(str(path))
    assert image is not None
    return image


def _table_of(path: Path) -> FrameTable:
    secs = _image(path).sections
    names = (".eh_frame", ".eh_frame_hdr", ".debug_frame")
    return FrameTable(*((secs[n].data, secs[n].addr) if n in secs else None for n in names))


@pytest.mark.parametrize("which", ["O2", "debugframe", "rust", "libc"])
def test_decoded_rows_equal_readelfs_interpretation(which, binaries):
    path = Path("/lib/x86_64-linux-gnu/libc.so.6") if which == "libc" else binaries[which]
    table = _table_of(path)
    rows = _readelf_rows(path)
    assert len(rows) > 20
    for pc, cfa, rules in rows[:: 7 if which == "libc" else 1]:  # a seventh of libc keeps the test short
        row = table.row(pc)
        assert row is not None, hex(pc)
        got = {_NAMES[reg] if reg < 17 else f"r{reg}": _rule_text(kind, arg) for reg, kind, arg in row.rules}
        assert ("exp" if row.cfa_expr else f"{_NAMES[row.cfa_reg]}+{row.cfa_offset}") == cfa, hex(pc)
        assert {col: got.get(col, "u") for col in rules} == rules, hex(pc)


# --- hostile input: damaged CFI, garbage expressions, garbage stacks ------------------------------

_LIBC_GETPPID = ctypes.cast(_libc.getppid, ctypes.c_void_p).value or 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), pc=st.integers(0, 0x5000))
def test_garbage_call_frame_sections_give_no_row_or_a_row(data, pc):
    table = FrameTable((data, 0x1000), (data, 0x1000), (data, 0x3000))
    assert table.row(pc) is None or table.row(pc).ra >= 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=6))
def test_a_damaged_eh_frame_never_raises(damage, binaries):
    image = _image(binaries["O2"])
    eh, hdr = image.sections[".eh_frame"], image.sections[".eh_frame_hdr"]
    data = bytearray(eh.data)
    for at, byte in damage:
        data[at % len(data)] = byte
    table = FrameTable((bytes(data), eh.addr), (hdr.data, hdr.addr))
    rows = [table.row(pc) for pc, _, _ in _readelf_rows(binaries["O2"])]
    assert all(r is None or r.ra >= 0 for r in rows)


@settings(max_examples=300, deadline=None)
@given(expr=st.binary(max_size=40))
def test_garbage_expressions_evaluate_to_a_word_or_none(expr):
    memory = lambda a: (a * 3) & 0xFFFF if a < 1 << 20 else None  # noqa: E731
    value = evaluate(expr, {7: 0x7000, 16: 0x401000}, memory, 0x7010)
    assert value is None or 0 <= value < 1 << 64


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(min_size=9 * 66, max_size=9 * 66), sp=st.integers(0, 63))
def test_a_hostile_stack_ends_the_walk_without_error(blob, sp, unwinder):
    words = (ctypes.c_uint64 * 64)()
    base = ctypes.addressof(words)

    def word(i: int) -> int:
        """Anything, a pointer into the stack itself, a pointer into libc's code, or 0."""
        kind, n = blob[9 * i] % 4, int.from_bytes(blob[9 * i + 1 : 9 * i + 9], "little")
        return (n, base + n % 664 - 64, _LIBC_GETPPID + n % 4160 - 64, 0)[kind] % (1 << 64)

    for i in range(64):
        words[i] = word(i)
    regs = {16: word(64), 7: base + 8 * sp, 6: word(65)}
    frames, how = unwinder.unwind(os.getpid(), regs, ProcessMemory(os.getpid()), limit=16)
    assert how in ("cfi", "frame-pointer fallback", "truncated stack")
    assert 1 <= len(frames) <= 16 and frames[0].addr == regs[16]


# --- the decoder and the expression machine on hand-assembled input ----------------------------


def _entry(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little") + body


EH_ADDR = 0x5000
_CIE = _entry(b"\0\0\0\0" + b"\x01zR\0" + _uleb(1) + _sleb(-8) + bytes([16]) + _uleb(1) + b"\x1b"
              + b"\x0c\x07\x08" + b"\x90\x01")  # def_cfa rsp+8; ra at cfa-8


def _fde(at: int, cie_at: int, begin: int, size: int, code: bytes, aug: bytes = b"") -> bytes:
    """An .eh_frame FDE placed at section offset ``at`` with pcrel sdata4 addresses."""
    ptr = (at + 4 - cie_at).to_bytes(4, "little")
    pc = (begin - (EH_ADDR + at + 8)).to_bytes(4, "little", signed=True)
    return _entry(ptr + pc + size.to_bytes(4, "little") + _uleb(len(aug)) + aug + code)


def _set_loc(at_field: int, target: int) -> bytes:
    return b"\x01" + (target - (EH_ADDR + at_field)).to_bytes(4, "little", signed=True)


def test_every_call_frame_instruction_decodes_to_the_dwarf_rules():
    code = (b"\x41" + b"\x0e\x10" + b"\x86\x02"  # +1: cfa rsp+16, rbp at cfa-16
            + b"\x02\x03" + b"\x0d\x06"  # +3: cfa rbp+16
            + b"\x03\x10\x00" + b"\x0a" + b"\x0c\x07\x08" + b"\xc6"  # +16: remember; cfa rsp+8; restore rbp
            + b"\x04\x10\x00\x00\x00" + b"\x0b"  # +16: restore_state
            + b"\x41" + b"\x14\x03\x02" + b"\x09\x0c\x0d" + b"\x08\x0e" + b"\x07\x0f" + b"\x11\x0d\x7d"
            + b"\x2e\x10" + b"\x2d" + b"\x00"  # val_offset, register, same, undefined, offset_sf, args_size
            + b"\x41" + b"\x12\x07\x7e" + b"\x13\x7d" + b"\x16\x01\x01\x31" + b"\x10\x02\x02\x77\x00"
            + b"\x2f\x04\x02"  # def_cfa_sf, def_cfa_offset_sf, val_expression, expression, negative offset
            + b"\x41" + b"\x06\x06" + b"\x05\x05\x03" + b"\x15\x03\x7f")  # restore_ext, offset_ext, val_off
    at = len(_CIE)
    head = 4 + 4 + 4 + 4 + 1  # length, CIE pointer, pc_begin, pc_range, augmentation length
    code += _set_loc(at + head + len(code) + 1, 0x1080) + b"\x41" + b"\x3f"  # then an unknown opcode
    eh = _CIE + _fde(at, 0, 0x1000, 0x100, code) + b"\0\0\0\0"
    table = FrameTable((eh, EH_ADDR))

    def rules(pc: int) -> tuple:
        row = table.row(pc)
        return (row.cfa_reg, row.cfa_offset, row.cfa_expr, dict((r, (k, a)) for r, k, a in row.rules))

    assert rules(0x1000) == (7, 8, b"", {16: (2, -8)})
    assert rules(0x1001) == (7, 16, b"", {16: (2, -8), 6: (2, -16)})
    assert rules(0x1004) == (6, 16, b"", {16: (2, -8), 6: (2, -16)})
    assert rules(0x1014) == (7, 8, b"", {16: (2, -8)})
    assert rules(0x1024) == (6, 16, b"", {16: (2, -8), 6: (2, -16)})
    assert rules(0x1025)[3] == {16: (2, -8), 6: (2, -16), 3: (3, -16), 12: (4, 13), 14: (1, 0), 15: (0, 0),
                                13: (2, 24)}
    cfa_reg, cfa_offset, _, later = rules(0x1026)
    assert (cfa_reg, cfa_offset) == (7, 24)
    assert later[1] == (6, b"\x31") and later[2] == (5, b"\x77\x00") and later[4] == (2, 16)
    last = rules(0x1027)[3]
    assert 6 not in last and last[5] == (2, -24) and last[3] == (3, 8)
    assert rules(0x1080) == rules(0x1027)  # set_loc moved on without changing a rule
    assert table.row(0x1081) is None  # the unknown opcode: nothing after it is trusted
    assert table.row(0x0FFF) is None and table.row(0x1100) is None


def test_personality_lsda_and_header_table_variants_decode():
    cie = _entry(b"\0\0\0\0" + b"\x03zPLR\0" + _uleb(1) + _sleb(-8) + _uleb(16) + _uleb(7)
                 + b"\x9b" + b"\0\0\0\0" + b"\x1b" + b"\x1b" + b"\x0c\x07\x08\x90\x01")
    at = len(cie)
    eh = cie + _fde(at, 0, 0x2000, 0x20, b"\x44\x0e\x20", aug=b"\0\0\0\0") + b"\0\0\0\0"
    fde_addr = EH_ADDR + at

    def header(table_enc: int, entries: list[tuple[int, int]]) -> bytes:
        words = b"".join(pc.to_bytes(4, "little", signed=True) + fde.to_bytes(4, "little", signed=True)
                         for pc, fde in entries)
        return bytes([1, 0x1B, 0x03, table_enc]) + b"\0\0\0\0" + len(entries).to_bytes(4, "little") + words

    hdr_addr = 0x4000
    good = header(0x3B, [(0x2000 - hdr_addr, fde_addr - hdr_addr)])
    for hdr in (good, header(0x3B, [(0x3000 - hdr_addr, 0), (0x2000 - hdr_addr, 0)]), header(0x03, [])):
        row = FrameTable((eh, EH_ADDR), (hdr, hdr_addr)).row(0x2004)  # unsorted/unknown tables: scanned
        assert (row.cfa_reg, row.cfa_offset) == (7, 32)
    assert FrameTable((eh, EH_ADDR), (good, hdr_addr)).row(0x2003).cfa_offset == 8


def test_debug_frame_entries_in_32_and_64_bit_dwarf():
    cie = _entry(b"\xff\xff\xff\xff" + b"\x04\0" + b"\x08\x00" + _uleb(1) + _sleb(-8) + _uleb(16)
                 + b"\x0c\x07\x08\x90\x01")
    fde32 = _entry((0).to_bytes(4, "little") + (0x3000).to_bytes(8, "little") + (0x10).to_bytes(8, "little")
                   + b"\x41\x0e\x10")
    body64 = ((0).to_bytes(8, "little") + (0x3100).to_bytes(8, "little") + (0x10).to_bytes(8, "little")
              + b"\x42\x0e\x18")
    fde64 = b"\xff\xff\xff\xff" + len(body64).to_bytes(8, "little") + body64
    table = FrameTable(debug_frame=(cie + fde32 + fde64, 0))
    assert table.row(0x3001).cfa_offset == 16 and table.row(0x3102).cfa_offset == 24
    assert table.row(0x3000).cfa_offset == 8 and table.row(0x3110) is None


@pytest.mark.parametrize(("expr", "value"), [
    (bytes([0x77]) + _sleb(8) + bytes([0x80, 0, 0x3F, 0x1A, 0x3B, 0x2A, 0x33, 0x24, 0x22]), 0x1010),  # PLT
    (bytes([0x77]) + _sleb(8) + bytes([0x80, 0, 0x3F, 0x1A, 0x3C, 0x2A, 0x33, 0x24, 0x22]), 0x1008),
    (bytes([0x77]) + _sleb(160) + bytes([0x06]), 0x10A0 * 2),  # __restore_rt: the saved rsp
    (bytes([0x35, 0x33, 0x1C]), 2),  # 5 - 3
    (bytes([0x09, 0xFA, 0x34, 0x1B]), (1 << 64) - 1),  # -6 / 4 truncates to -1
    (bytes([0x0A, 0x10, 0x00, 0x0C, 3, 0, 0, 0, 0x1D]), 1),  # 16 mod 3
    (bytes([0x0E]) + (7).to_bytes(8, "little") + bytes([0x0B, 0xFE, 0xFF, 0x1E]), (1 << 64) - 14),
    (bytes([0x0D]) + (-4).to_bytes(4, "little", signed=True) + bytes([0x19, 0x1F, 0x20]), 3),  # ~-|−4|
    (bytes([0x0F]) + (-16).to_bytes(8, "little", signed=True) + bytes([0x32, 0x26]), (1 << 64) - 4),  # sar
    (bytes([0x10]) + _uleb(300) + bytes([0x11]) + _sleb(-300) + bytes([0x22]), 0),
    (bytes([0x3C, 0x23]) + _uleb(5) + bytes([0x31, 0x25, 0x36, 0x21, 0x33, 0x27]), 13),  # (17>>1)|6 ^ 3
    (bytes([0x31, 0x32, 0x29, 0x31, 0x32, 0x2E, 0x22, 0x31, 0x32, 0x2D, 0x22, 0x32, 0x31, 0x2B, 0x22,
            0x31, 0x31, 0x2C, 0x22]), 4),  # eq ne lt gt le
    (bytes([0x31, 0x32, 0x33, 0x17, 0x1C, 0x1C]), 4),  # rot: [3, 1, 2], then 3 - (1 - 2)
    (bytes([0x35, 0x32, 0x14, 0x1C, 0x1C]), 8),  # over: [5, 2, 5], then 5 - (2 - 5)
    (bytes([0x35, 0x32, 0x16, 0x1C]), (1 << 64) - 3),  # swap: 2 - 5
    (bytes([0x33, 0x12, 0x1E, 0x34, 0x13]), 9),  # dup, mul, then a dropped 4
    (bytes([0x31, 0x32, 0x33, 0x15, 2]), 1),  # pick 2
    (bytes([0x2F]) + (1).to_bytes(2, "little") + bytes([0x96, 0x31, 0x28]) + (1).to_bytes(2, "little")
     + bytes([0x30, 0x37]), 7),  # skip, bra taken over lit0
    (bytes([0x92]) + _uleb(7) + _sleb(-16) + bytes([0x94, 2]), (0x0FF0 * 2) & 0xFFFF),  # bregx, deref_size
    (bytes([0x03]) + (0x1234).to_bytes(8, "little"), 0x1234),  # addr
])
def test_dwarf_expressions_compute_what_the_spec_says(expr, value):
    assert evaluate(expr, {7: 0x1000, 16: 0x40100B}, lambda a: a * 2) == value


@pytest.mark.parametrize("expr", [
    b"", b"\x02", b"\x1b", b"\x30\x30\x1b", b"\x30\x30\x1d", b"\x78\x00", b"\x70\x00\x06",
    b"\x70\x00\x94\x04", b"\x30\x94\x09", b"\x2f\x00\x10", b"\x0c\x01", b"\x03\x01", b"\x2f\xfd\xff",
])
def test_unsupported_or_failing_expressions_are_none(expr):
    """Unknown operations, division by zero, missing registers, unreadable memory, endless branches."""
    assert evaluate(expr, {0: 0x1000}, lambda a: None if a == 0x1000 else 0) is None


# --- module maps of unusual mappings ----------------------------------------------------------------


def test_module_map_of_odd_mappings(binaries, tmp_path):
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\n")
    no_id = tmp_path / "no-build-id"
    subprocess.run(["objcopy", "--remove-section", ".note.gnu.build-id", str(binaries["O2"]), str(no_id)],
                   check=True)
    text = "\n".join([
        f"1000-2000 r-xp 00003000 08:01 1 {script}",  # executable, not ELF: offset-only bias
        f"555555555000-555555556000 r-xp 00001000 08:01 2 {no_id} (deleted)",
        "7f0000000000-7f0000001000 rwxp 00000000 00:00 0 ",  # anonymous executable memory: JIT code
        "7f0000002000-7f0000003000 r--p 00000000 00:00 0 [vvar]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]",
        "garbage line", "zz-10 r-xp 0 0 0 /x",
    ])
    elves = ElfCache(capacity=1)
    maps = ModuleMap.from_mappings(os.getpid(), parse_maps(text), elves)
    odd = maps.find(0x1800)
    assert odd is not None and odd.path == str(script) and odd.bias == 0x1000 - 0x3000 and odd.build_id == ""
    stripped = maps.find(0x555555555800)
    assert stripped.path == str(no_id) and stripped.build_id == "" and stripped.bias == 0x555555554000
    assert maps.find(0xFFFFFFFFFF600400).bias == 0
    assert maps.find(0x7F0000000010) is None and maps.is_jit(0x7F0000000010)
    assert not maps.is_jit(0x7F0000002010) and maps.find(0x7F0000002010) is None
    assert elves.from_memory(b"\x7fELF" + b"\0" * 12) is None  # truncated ELF: no image, no error
    assert elves.debug_file("") is None


def test_unwinding_a_process_that_is_gone_is_an_empty_truncated_stack(unwinder):
    frames, how = unwinder.unwind(1 << 30, {16: 0x1000, 7: 0x2000}, ProcessMemory(1 << 30))
    assert how == "truncated stack" and [f.module for f in frames] == [""]
    assert unwinder.unwind(1 << 30, {}, ProcessMemory(1 << 30)) == ((), "truncated stack")
