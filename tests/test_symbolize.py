"""Symbolization: captured frames -> function, file:line and inline chains, checked against addr2line.

The oracle is binutils ``addr2line -f -i -C``, given the same address renacer looks up (a return
address minus one). Fixtures are compiled here with the flags each case needs, once per content.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fidelity import PROGRAMS, build_id, build_program

from renacer.events import SourceFrame, StackFrame
from renacer.source import debugfile
from renacer.source.symbolize import Symbolizer, own_vdso

STD_WRITE = re.compile(r"3std2fs5write5inner$")  # std's own fs::write body, in std's compile unit
pytestmark = pytest.mark.skipif(shutil.which("addr2line") is None, reason="binutils is not installed")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test starts cold, in its own table cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def functions(binary: Path) -> dict[str, list[int]]:
    """objdump -d: each function's instruction addresses (padding after it left out), by symbol name."""
    sizes = {}
    for line in subprocess.run(["nm", "-S", str(binary)], capture_output=True, text=True).stdout.splitlines():
        if m := re.match(r"^([0-9a-f]+) ([0-9a-f]+) [tTwW] (\S+)$", line):
            sizes[m.group(3)] = int(m.group(1), 16) + int(m.group(2), 16)
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(binary)], capture_output=True,
                         text=True, check=True).stdout
    found: dict[str, list[int]] = {}
    current: list[int] = []
    end = 0
    for line in out.splitlines():
        if m := re.match(r"^[0-9a-f]+ <(.+)>:$", line):
            current, end = found.setdefault(m.group(1), []), sizes.get(m.group(1), 1 << 64)
        elif (m := re.match(r"^\s+([0-9a-f]+):\s", line)) and int(m.group(1), 16) < end:
            current.append(int(m.group(1), 16))
    return found


def return_addresses(binary: Path, wanted: re.Pattern) -> list[int]:
    """Every address right after an instruction in the functions whose symbol matches ``wanted``."""
    out = []
    for name, addrs in functions(binary).items():
        if wanted.search(name):
            out += [a + 1 for a in addrs]  # looked up as a - 1 + 1 - 1: each instruction itself
    assert out, f"no function matching {wanted.pattern} in {binary}"
    return out


def addr2line(binary: Path, pcs: list[int], tool: str = "addr2line") -> list[list[tuple[str, str, str]]]:
    """addr2line's (function, file, line) chain for each pc, innermost first."""
    out = subprocess.run([tool, "-f", "-i", "-C", "-a", "-e", str(binary), *map(hex, pcs)],
                         capture_output=True, text=True, check=True).stdout
    chains = []
    for block in re.split(r"^0x[0-9a-f]+\n", out, flags=re.M)[1:]:
        lines = block.splitlines()
        chain = []
        for name, where in zip(lines[0::2], lines[1::2], strict=True):
            file, _, line = where.split(" (discriminator")[0].rpartition(":")
            chain.append((name, file, "?" if line == "0" else line))  # llvm's "unknown" is 0
        chains.append(chain)
    assert len(chains) == len(pcs)
    return chains


_LEGACY_ESCAPES = {"$LT$": "<", "$GT$": ">", "$C$": ",", "$u20$": " ", "$RF$": "&", "$BP$": "*",
                   "$u7b$": "{", "$u7d$": "}", "$u5b$": "[", "$u5d$": "]", "$u2b$": "+", "$u3b$": ";",
                   "$u27$": "'", "..": "::"}


def short(name: str) -> str:
    """A function name's last path component: no hash, argument list, template arguments, clone tag."""
    for escape, char in _LEGACY_ESCAPES.items():  # llvm-addr2line leaves Rust legacy escapes in place
        name = name.replace(escape, char)
    name = re.sub(r"(^|::)_(?=[{<])", r"\1", name)  # a legacy segment that began with an escape
    name = re.sub(r" \[clone [^]]*\]", "", name)
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    name = re.sub(r"\[[0-9a-f]{16}\]", "", name)  # a v0 name's crate disambiguator
    for opening, closing in (("(", ")"), ("<", ">")):
        out, depth = "", 0
        for c in name:
            depth += c == opening
            if depth == 0:
                out += c
            depth -= c == closing and depth > 0
        name = out
    name = name.removesuffix(" const").strip()
    return name.rsplit("::", 1)[-1].rsplit(" ", 1)[-1]


def check_against_addr2line(binary: Path, offsets: list[int], bid: str = "", oracle: Path | None = None,
                            tool: str = "addr2line") -> list[tuple[SourceFrame, ...]]:
    """Symbolize each offset (a return address) and assert the chain equals addr2line's at offset - 1.

    ``oracle`` is the file addr2line reads, when it cannot find binary's debug info itself.
    """
    symbolizer = Symbolizer()
    ours = [symbolizer.frames(StackFrame(off, str(binary), bid, off)) for off in offsets]
    symbolizer.close()
    theirs = addr2line(oracle or binary, [off - 1 for off in offsets], tool)
    for off, mine, chain in zip(offsets, ours, theirs, strict=True):
        got = [(short(f.function) or "??", f.file, str(f.line) if f.line else "?") for f in mine]
        want = [(short(name), file, line) for name, file, line in chain]
        assert len(got) == len(want), f"0x{off - 1:x}: {got} != {want}"
        for (g_name, g_file, g_line), (w_name, w_file, w_line) in zip(got, want, strict=True):
            assert (g_name, g_line) == (w_name, w_line), f"0x{off - 1:x}: {got} != {want}"
            if w_file != "??":  # addr2line joins the compilation directory; renacer keeps the table's path
                assert w_file == g_file or w_file.endswith("/" + g_file), f"0x{off - 1:x}: {got} != {want}"
        assert all(f.offset == off - 1 for f in mine)
    return ours


# --- C ------------------------------------------------------------------------------


C_BUILDS = {"O0": ("-O0", "-g"), "O2": ("-O2", "-g"), "O2-no-pie": ("-O2", "-g", "-no-pie"),
            "O2-dwarf4": ("-O2", "-gdwarf-4"), "O2-dwarf2": ("-O2", "-gdwarf-2")}


@pytest.mark.parametrize("build", list(C_BUILDS))
def test_c_functions_and_inline_chains_match_addr2line(build: str) -> None:
    binary = build_program("sym_c.c", C_BUILDS[build])
    offsets = return_addresses(binary, re.compile(r"^(main|worker|finish)"))
    frames = check_against_addr2line(binary, offsets, build_id(binary))
    chains = {tuple(f.function for f in chain) for chain in frames}
    # Innermost first; -O0 folds in only the always_inline helpers, -O2 the plain inline one too.
    assert ("emit", "greet", "main") in chains
    assert (("emit", "finish") if build == "O0" else ("emit", "finish", "greet", "main")) in chains
    assert any(chain[0].inlined and not chain[-1].inlined for chain in frames)


def test_a_return_address_is_credited_to_its_call_line() -> None:
    binary = build_program("sym_c.c", ("-O0", "-g"))
    calls = functions(binary)
    main = calls["main"]
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(binary)], capture_output=True,
                          text=True).stdout
    calls_to_worker = re.finditer(r"^\s+([0-9a-f]+):\s+call\s+\S+ <worker>", text, re.M)
    after_worker = [int(m.group(1), 16) for m in calls_to_worker]
    ret = main[main.index(after_worker[0]) + 1]  # the return address of main's call to worker
    (frame,) = Symbolizer().frames(StackFrame(ret, str(binary), build_id(binary), ret))
    line = (PROGRAMS / "sym_c.c").read_text().splitlines()[frame.line - 1]
    assert "worker(argc + 1)" in line
    assert (frame.function, frame.symbol, frame.offset) == ("main", "main", ret - 1)
    assert frame.symbol_offset == ret - 1 - main[0]
    assert frame.file.endswith("tests/programs/sym_c.c")


@pytest.mark.parametrize("level", ["-O0", "-O2"])
def test_without_aranges_the_compile_units_own_ranges_locate_code(tmp_path: Path, level: str) -> None:
    binary, original = tmp_path / "sym_c", build_program("sym_c.c", (level, "-g"))
    subprocess.run(["objcopy", "--remove-section=.debug_aranges", str(original), str(binary)], check=True)
    check_against_addr2line(binary, return_addresses(binary, re.compile(r"^(main|worker)")), build_id(binary))


# --- C++ and Rust -------------------------------------------------------------------


def test_cpp_names_keep_namespaces_templates_and_lambdas() -> None:
    binary = build_program("sym_cpp.cpp", ("-O2", "-g"))
    offsets = return_addresses(binary, re.compile(r"^(main|_ZN3app|_ZNK3app)"))
    symbolizer = Symbolizer()
    names = {f.function for off in offsets for f in symbolizer.frames(StackFrame(off, str(binary), "", off))}
    assert any(n.startswith("app::io::say") for n in names)
    assert any(n.startswith("app::io::Repeater<int>::run") for n in names)
    assert "main::{lambda}::operator()" in names  # gcc names the closure type nowhere: renacer does
    # addr2line names an inlined lambda by the symbol it sits in; every other frame must agree.
    plain = [off for off in offsets
             if "operator()" not in str(symbolizer.frames(StackFrame(off, str(binary), "", off)))]
    check_against_addr2line(binary, plain)


@pytest.mark.parametrize("level", ["0", "2"])
def test_rust_frames_match_addr2line_and_reach_into_std(level: str) -> None:
    binary = build_program("sym_rust.rs", ("-g", "-C", f"opt-level={level}"))
    offsets = return_addresses(binary, re.compile(r"^_ZN8sym_rust"))
    frames = check_against_addr2line(binary, offsets, build_id(binary))
    flat = [f for chain in frames for f in chain]
    assert any(f.function.startswith("sym_rust::round_trip") and f.file.endswith("sym_rust.rs") for f in flat)
    assert any(f.function == "sym_rust::banner" and f.inlined for f in flat)  # #[inline(always)], even at 0
    assert any(f.function == "sym_rust::main::{{closure}}" for f in flat)
    assert any(f.function.startswith("std::fs::write") for f in flat) or level == "0"
    # A frame inside std's own code (a call made by fs::write) names std's source as rustc remapped it.
    std = return_addresses(binary, STD_WRITE)
    inside = Symbolizer().frames(StackFrame(std[0], str(binary), build_id(binary), std[0]))
    assert re.match(r"^/rustc/[0-9a-f]+/library/std/src/fs\.rs$", inside[-1].file), inside


@pytest.mark.skipif(shutil.which("llvm-addr2line") is None, reason="llvm-addr2line is not installed")
def test_rust_dwarf5_units_match_llvm_addr2line() -> None:
    # LLVM's DWARF 5 indexes strings, addresses and range lists (strx, addrx, rnglistx); binutils
    # 2.40 loses inline chains there, so LLVM's own symbolizer is the oracle.
    binary = build_program("sym_rust.rs", ("-g", "-C", "opt-level=2", "-C", "dwarf-version=5"))
    offsets = return_addresses(binary, re.compile(r"^_ZN8sym_rust"))
    frames = check_against_addr2line(binary, offsets, build_id(binary), tool="llvm-addr2line")
    assert max(len(chain) for chain in frames) >= 3


# --- where the debug info lives, and when it is missing -------------------------------


def test_a_stripped_binary_yields_empty_frames_and_a_problem(tmp_path: Path) -> None:
    binary = tmp_path / "stripped"
    subprocess.run(["strip", "-o", str(binary), str(build_program("sym_c.c", ("-O2", "-g")))], check=True)
    symbolizer = Symbolizer()
    frames = symbolizer.frames(StackFrame(0x1200, str(binary), build_id(binary), 0x1200))
    assert [(f.function, f.file, f.line) for f in frames] == [("", "", 0)]
    assert symbolizer.problems() == [f"{binary}: no debug info and no symbols (stripped)"]


def test_symbols_alone_name_functions_without_debug_info(tmp_path: Path) -> None:
    binary, original = tmp_path / "nodebug", build_program("sym_c.c", ("-O0", "-g"))
    subprocess.run(["strip", "-g", "-o", str(binary), str(original)], check=True)
    main = functions(binary)["main"]
    symbolizer = Symbolizer()
    (frame,) = symbolizer.frames(StackFrame(main[3], str(binary), build_id(binary), main[3]))
    assert (frame.function, frame.file, frame.line, frame.symbol) == ("main", "", 0, "main")
    assert frame.symbol_offset == main[3] - 1 - main[0]
    assert symbolizer.problems() == [f"{binary}: no debug info"]


def test_debug_info_is_found_through_gnu_debuglink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = build_program("sym_c.c", ("-O2", "-g"))
    binary, debug = tmp_path / "prog", tmp_path / ".debug" / "prog.debug"
    debug.parent.mkdir()
    subprocess.run(["objcopy", "--only-keep-debug", str(original), str(debug)], check=True)
    subprocess.run(["strip", "-g", "-o", str(binary), str(original)], check=True)
    subprocess.run(["objcopy", f"--add-gnu-debuglink={debug}", str(binary)], check=True)
    offsets = return_addresses(original, re.compile(r"^(main|worker)"))
    frames = check_against_addr2line(binary, offsets, build_id(binary))
    assert any(len(chain) == 4 for chain in frames)
    debug.write_bytes(debug.read_bytes() + b"\0")  # another file now: its CRC no longer matches the link
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cold"))  # the tables saved above would answer
    symbolizer = Symbolizer()
    (frame,) = symbolizer.frames(StackFrame(offsets[0], str(binary), build_id(binary), offsets[0]))
    assert frame.file == "" and frame.function in ("main", "worker")
    assert symbolizer.problems() == [f"{binary}: no debug info"]


def test_a_debuglink_naming_a_path_is_not_followed(tmp_path: Path) -> None:
    original = build_program("sym_c.c", ("-O2", "-g"))
    (tmp_path / "sub").mkdir()
    subprocess.run(["objcopy", "--only-keep-debug", str(original), str(tmp_path / "prog.debug")], check=True)
    link = tmp_path / "link"
    link.write_bytes(b"../prog.debug\0\0\0" + (0).to_bytes(4, "little"))
    binary = tmp_path / "sub" / "prog"
    subprocess.run(["strip", "-g", "-o", str(binary), str(original)], check=True)
    subprocess.run(["objcopy", f"--add-section=.gnu_debuglink={link}", str(binary)], check=True)
    symbolizer = Symbolizer()
    main = return_addresses(original, re.compile(r"^main$"))[0]
    assert symbolizer.frames(StackFrame(main, str(binary), build_id(binary), main))[-1].file == ""
    assert symbolizer.problems() == [f"{binary}: no debug info"]


def test_a_module_without_build_id_is_symbolized_but_never_cached(private_cache: Path) -> None:
    binary = build_program("sym_c.c", ("-O2", "-g", "-Wl,--build-id=none"))
    assert build_id(binary) == ""
    check_against_addr2line(binary, return_addresses(binary, re.compile(r"^main$")))  # and closes
    assert not private_cache.exists()


def test_debug_info_is_found_in_the_build_id_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = build_program("sym_c.c", ("-O2", "-g"))
    bid = build_id(original)
    monkeypatch.setattr(debugfile, "DEBUG_ROOT", str(tmp_path / "debug"))
    debug = Path(debugfile.build_id_path(bid))
    debug.parent.mkdir(parents=True)
    subprocess.run(["objcopy", "--only-keep-debug", str(original), str(debug)], check=True)
    binary = tmp_path / "prog"
    subprocess.run(["strip", "-g", "-o", str(binary), str(original)], check=True)
    check_against_addr2line(binary, return_addresses(original, re.compile(r"^main")), bid, oracle=original)


def test_corrupt_dwarf_costs_line_info_never_an_exception(tmp_path: Path) -> None:
    original = build_program("sym_c.c", ("-O2", "-g"))
    offsets = return_addresses(original, re.compile(r"^(main|worker)"))
    for section in (".debug_info", ".debug_line", ".debug_abbrev"):
        binary = tmp_path / section.lstrip(".")
        data = bytearray(original.read_bytes())
        offset, size = section_extent(original, section)
        data[offset + 12: offset + size] = bytes([0xFB]) * (size - 12)  # keep the unit header, ruin the rest
        binary.write_bytes(bytes(data))
        symbolizer = Symbolizer()
        frames = [symbolizer.frames(StackFrame(off, str(binary), build_id(binary), off)) for off in offsets]
        assert all(chain for chain in frames)
        assert all(chain[-1].symbol in ("main", "worker") for chain in frames)  # ELF symbols still name code
        (problem,) = symbolizer.problems()
        assert problem.startswith(f"{binary}: corrupt DWARF"), problem
        symbolizer.close()


def section_extent(binary: Path, name: str) -> tuple[int, int]:
    """(file offset, size) of a section, as readelf reports them."""
    out = subprocess.run(["readelf", "-S", "-W", str(binary)], capture_output=True, text=True).stdout
    m = re.search(rf"\] {re.escape(name)}\s+\S+\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16), int(m.group(2), 16)


def test_a_replaced_file_and_unmapped_addresses_give_empty_frames(tmp_path: Path) -> None:
    binary = build_program("sym_c.c", ("-O2", "-g"))
    symbolizer = Symbolizer()
    stale = symbolizer.frames(StackFrame(0x1200, str(binary), "00" * 20, 0x1200))
    assert [(f.function, f.file) for f in stale] == [("", "")]
    assert symbolizer.frames(StackFrame(0x7F0000001234, "", "", 0x7F0000001234))[0].function == ""
    assert symbolizer.frames(StackFrame(0x7FFF00000A00, "[vdso]", "11" * 20, 0xA00))[0].function == ""
    not_elf = tmp_path / "not-elf"
    not_elf.write_text("#!/bin/sh\n")
    assert symbolizer.frames(StackFrame(0x10, str(not_elf), "", 0x10))[0].function == ""
    problems = symbolizer.problems()
    assert problems[0].startswith(f"{binary}: replaced on disk (build-id {build_id(binary)}, traced 0000")
    assert problems[1].startswith(f"{not_elf}: cannot read")
    assert len(problems) == 2


def test_vdso_frames_are_named_from_this_kernels_vdso(tmp_path: Path) -> None:
    image = own_vdso()
    if image is None:
        pytest.skip("no vDSO in this process")
    dumped = tmp_path / "vdso.so"
    dumped.write_bytes(image)
    symbols = subprocess.run(["nm", "-D", "-S", "--defined-only", str(dumped)], capture_output=True,
                             text=True, check=True).stdout
    m = re.search(r"^([0-9a-f]+) [0-9a-f]+ T __vdso_clock_gettime", symbols, re.M)
    assert m, symbols
    start = int(m.group(1), 16)
    symbolizer = Symbolizer()
    (frame,) = symbolizer.frames(StackFrame(0x7FFF00000000 + start, "[vdso]", build_id(dumped), start + 0x11))
    assert (frame.function, frame.file, frame.symbol_offset) == ("__vdso_clock_gettime", "", 0x10)
    assert symbolizer.problems() == []  # no debug info is the vDSO's normal state


# --- the cache ----------------------------------------------------------------------


WARM = """
import dataclasses, json, sys
from renacer.events import StackFrame
from renacer.source.symbolize import Symbolizer, own_vdso
s = Symbolizer()
out = [[dataclasses.astuple(f) for f in s.frames(StackFrame(o, sys.argv[1], sys.argv[2], o))]
       for o in map(int, sys.argv[3:])]
s.close()
print(json.dumps({"frames": out, "pyelftools": "elftools" in sys.modules}))
"""


def test_a_warm_cache_answers_alike_without_pyelftools(private_cache: Path) -> None:
    binary = build_program("sym_rust.rs", ("-g", "-C", "opt-level=2"))
    bid = build_id(binary)
    offsets = return_addresses(binary, re.compile(r"^_ZN8sym_rust"))[:200]
    cold = Symbolizer()
    expected = [[dataclasses.astuple(f) for f in cold.frames(StackFrame(o, str(binary), bid, o))]
                for o in offsets]
    cold.close()
    warm = subprocess.run([sys.executable, "-c", WARM, str(binary), bid, *map(str, offsets)],
                          capture_output=True, text=True, check=True, env=os.environ.copy())
    answer = json.loads(warm.stdout)
    assert answer["frames"] == json.loads(json.dumps(expected))
    assert answer["pyelftools"] is False
    # A unit the cache lacks, in a file replaced since the trace: the cached symbols, and a problem.
    moved = private_cache.parent / "sym_rust"
    shutil.copy(build_program("sym_rust.rs", ("-g", "-C", "opt-level=0")), moved)
    std = return_addresses(binary, STD_WRITE)[0]
    stale = Symbolizer()
    (frame,) = stale.frames(StackFrame(std, str(moved), bid, std))
    assert (frame.function, frame.file) == ("std::fs::write::inner", "")
    assert stale.problems() == [f"{moved}: replaced on disk (build-id {build_id(moved)}, traced {bid})"]
    # The right file back: the unit is read on demand and saved, so it answers even once replaced again.
    shutil.copy(binary, moved)
    again = Symbolizer()
    inside_std = again.frames(StackFrame(std, str(moved), bid, std))
    assert inside_std[-1].file.endswith("library/std/src/fs.rs")
    again.close()
    shutil.copy(build_program("sym_rust.rs", ("-g", "-C", "opt-level=0")), moved)
    assert Symbolizer().frames(StackFrame(std, str(moved), bid, std)) == inside_std
