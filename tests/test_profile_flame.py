"""--function-time and --flamegraph: what the sinks make of symbolized syscall stacks.

The events are real ``SyscallEvent``s with the stacks a small C program (main.c, config.c,
report.c, linked against glibc) gives after enrichment, built from the table below; tracing
real programs end to end is the integration tests' part.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renacer.errors import RenacerError
from renacer.events import SourceFrame, SyscallEnter, SyscallEvent
from renacer.sinks.flame import FlameSink, StackWeights, clean, folded, frame_name
from renacer.sinks.flame_svg import duration_text
from renacer.sinks.profile import SLOW_IO_NS, ProfileSink

PROG = "/tmp/build/report"
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"
LDSO = "/usr/lib64/ld-linux-x86-64.so.2"


def lib(symbol: str, offset: int, module: str = LIBC) -> SourceFrame:
    return SourceFrame(module, offset, "", "", 0, symbol=symbol, symbol_offset=0x14)


def fn(name: str, file: str, line: int, inlined: bool = False, module: str = PROG) -> SourceFrame:
    return SourceFrame(module, 0x1200 + line, name, file, line, inlined, "" if inlined else name, 4)


START = (lib("__libc_start_call_main", 0x2724A), lib("__libc_start_main", 0x27305),
         SourceFrame(PROG, 0x1050, "", "", 0, symbol="_start"))  # crt1's _start has no line information


def main_at(line: int) -> SourceFrame:
    return fn("main", "/src/app/main.c", line)


READ_ALL_INLINED = (lib("read", 0x110), fn("next_chunk", "/src/app/buf.h", 9, inlined=True),
                    fn("read_all", "/src/app/config.c", 19), fn("load_config", "/src/app/config.c", 40),
                    main_at(14), *START)
READ_ALL = (lib("read", 0x110), fn("read_all", "/src/app/config.c", 17),
            fn("load_config", "/src/app/config.c", 40), main_at(14), *START)
OPEN = (lib("__open64", 0xF1), fn("load_config", "/src/app/config.c", 35), main_at(14), *START)
WRITE = (lib("write", 0x120), lib("_IO_new_file_write", 0x88), fn("emit_line", "/src/app/report.c", 31),
         fn("write_report", "/src/app/report.c", 58), main_at(22), *START)
MMAP_LDSO = (lib("__mmap", 0x1D2A0, LDSO),)  # the loader, before main: no user frame

# (syscall, duration ns, stack innermost first, index of the source frame or None)
TABLE = [
    ("openat", 40_000, OPEN, 1),
    ("read", 1_000_001, READ_ALL_INLINED, 1),
    ("read", 300_000, READ_ALL, 1),
    ("write", 500_000, WRITE, 2),
    ("write", 250_000, WRITE, 2),
    ("brk", 2_000, (), None),
    ("mmap", 8_000, MMAP_LDSO, None),
]
TOTAL_NS = sum(row[1] for row in TABLE)


def call(name: str, duration: int, frames: tuple[SourceFrame, ...] = (),
         source: int | SourceFrame | None = None, at: int = 1_000_000, **kw) -> SyscallEvent:
    src = frames[source] if isinstance(source, int) else source
    return SyscallEvent(4242, 4242, 0, name, (), (), (), kw.pop("retval", 0), 0, "0", at, at + duration, 0,
                        frames=frames, source=src, **kw)


def table_events() -> list[SyscallEvent]:
    return [call(name, d, frames, src, at=10_000_000 * i) for i, (name, d, frames, src) in enumerate(TABLE)]


def profile_of(events) -> tuple[ProfileSink, str]:
    out = io.StringIO()
    sink = ProfileSink(out)
    for ev in events:
        sink.handle(ev)
    sink.close()
    return sink, out.getvalue()


def flame_of(tmp_path: Path, events, name: str) -> str:
    sink = FlameSink(str(tmp_path / name))
    for ev in events:
        sink.handle(ev)
    sink.close()
    return (tmp_path / name).read_text(encoding="utf-8")


# --- --function-time ---------------------------------------------------------------------------

EXPECTED_PROFILE = """\
syscall time by user function
% time     seconds     calls slow I/O  longest syscall          at          function
------ ----------- --------- -------- -------- ---------------- ----------- --------
 47.62    0.001000         1        1 0.001000 read             buf.h:9     next_chunk
 35.71    0.000750         2          0.000500 write            report.c:31 emit_line
 14.29    0.000300         1          0.000300 read             config.c:17 read_all
  1.90    0.000040         1          0.000040 openat           config.c:35 load_config
  0.48    0.000010         2          0.000008 mmap                         (no user frame)
------ ----------- --------- -------- -------- ---------------- ----------- --------
100.00    0.002100         7        1 0.001000                              total

hot paths (top 10 by time; user functions, outermost first)
% time     seconds     calls path
------ ----------- --------- ----
 47.62    0.001000         1 main -> load_config -> read_all -> next_chunk
 35.71    0.000750         2 main -> write_report -> emit_line
 14.29    0.000300         1 main -> load_config -> read_all
  1.90    0.000040         1 main -> load_config

call graph (each caller, then what it called and the syscall time spent through it)
% time     seconds     calls function
------ ----------- --------- --------
 99.52    0.002090         5 main
 63.81    0.001340         3     -> load_config
 35.71    0.000750         2     -> write_report
 63.81    0.001340         3 load_config
 61.90    0.001300         2     -> read_all
  1.90    0.000040         1     -> openat [syscall]
 61.90    0.001300         2 read_all
 47.62    0.001000         1     -> next_chunk
 14.29    0.000300         1     -> read [syscall]
 47.62    0.001000         1 next_chunk
 47.62    0.001000         1     -> read [syscall]
 35.71    0.000750         2 emit_line
 35.71    0.000750         2     -> write [syscall]
 35.71    0.000750         2 write_report
 35.71    0.000750         2     -> emit_line
"""


def test_function_time_prints_functions_hot_paths_and_call_graph() -> None:
    _, text = profile_of(table_events())
    assert text == EXPECTED_PROFILE


def test_function_time_numbers_add_up() -> None:
    sink, _ = profile_of(table_events())
    rep = sink.report()
    assert rep.total_ns == TOTAL_NS and rep.total_calls == len(TABLE)
    assert sum(f.total_ns for f in rep.functions) == rep.total_ns
    assert sum(f.calls for f in rep.functions) == rep.total_calls
    assert sum(100.0 * f.total_ns / rep.total_ns for f in rep.functions) == pytest.approx(100.0)
    with_user_frame = sum(d for _, d, _, src in TABLE if src is not None)
    assert sum(t.total_ns for _, t in rep.hot_paths) == with_user_frame
    for caller, tally, callees in rep.callers:  # no recursion here: a caller's time is its callees'
        assert sum(t.total_ns for _, t in callees) == tally.total_ns, caller
        assert sum(t.calls for _, t in callees) == tally.calls, caller


def test_function_time_ignores_unfinished_calls_and_entries() -> None:
    unfinished = call("read", 5_000_000, READ_ALL, 1, retval=None, unfinished=True, reason="exit")
    entry = SyscallEnter(4242, 4242, 0, "read", (), (), False, 0, 0)
    sink, _ = profile_of([entry, unfinished, *table_events()])
    assert sink.report().total_calls == len(TABLE)


@pytest.mark.parametrize(("syscall", "duration", "flagged"), [
    ("read", SLOW_IO_NS, False),  # exactly 1 ms is not over it
    ("read", SLOW_IO_NS + 1, True),
    ("fsync", SLOW_IO_NS + 1, True),
    ("sendto", SLOW_IO_NS + 1, True),
    ("close", SLOW_IO_NS + 1, True),
    ("nanosleep", 50 * SLOW_IO_NS, False),  # slow, but not I/O
])
def test_slow_io_flag_triggers_over_one_millisecond(syscall: str, duration: int, flagged: bool) -> None:
    fast = call("read", 10_000, READ_ALL, 1)
    sink, text = profile_of([fast, call(syscall, duration, READ_ALL, 1)])
    (row,) = sink.report().functions
    assert row.name == "read_all" and row.slow_io == int(flagged)
    line = next(ln for ln in text.splitlines() if ln.endswith(" read_all"))
    assert line.split()[3] == ("1" if flagged else f"{duration / 1e9:.6f}")


def test_function_time_without_stacks_says_so() -> None:
    _, text = profile_of([call("brk", 1000), call("mmap", 3000)])
    lines = text.splitlines()
    assert lines[3] == "100.00    0.000004         2          0.000003 mmap                (no user frame)"
    assert "(no call had a user frame: were stacks captured, with debug information?)" in lines


def test_function_time_of_nothing_is_an_empty_table() -> None:
    _, text = profile_of([])
    rule = "------ ----------- --------- -------- -------- ---------------- -- --------"
    total = "  0.00    0.000000         0          0.000000                     total"
    assert text.splitlines()[2:5] == [rule, rule, total]


def test_recursion_counts_each_call_once() -> None:
    walk = fn("walk", "/src/app/tree.c", 12)
    frames = (lib("getdents64", 0x90), walk, walk, walk, main_at(5), *START)
    sink, text = profile_of([call("getdents64", 7000, frames, 1)])
    rep = sink.report()
    assert rep.hot_paths[0][0] == ("main", "walk", "walk", "walk")
    callers = {name: (tally.calls, {c: t.calls for c, t in callees}) for name, tally, callees in rep.callers}
    assert callers["walk"] == (1, {"walk": 1, "getdents64 [syscall]": 1})
    assert "\n100.00    0.000007         1 main -> walk -> walk -> walk\n" in text


def test_toolchain_and_unlined_callers_are_not_user_frames() -> None:
    rust_std = SourceFrame(PROG, 0x9000, "std::io::Write::write_all",
                           "/rustc/59807616/library/std/src/io/mod.rs", 1810, symbol="write_all")
    header = fn("std::vector<int>::push_back", "/usr/include/c++/12/bits/stl_vector.h", 1287, inlined=True)
    frames = (lib("write", 0x120), fn("flush", "/src/app/out.rs", 9), rust_std, header,
              fn("app::run", "/src/app/main.rs", 30), *START)
    sink, _ = profile_of([call("write", 1000, frames, 1)])
    assert sink.report().hot_paths[0][0] == ("app::run", "flush")


def test_a_source_without_its_stack_is_a_path_of_its_own() -> None:
    sink, _ = profile_of([call("read", 10, (), fn("read_all", "/src/app/config.c", 17))])
    assert sink.report().hot_paths[0][0] == ("read_all",)


def test_a_callers_own_user_frame_rule_is_used() -> None:
    out = io.StringIO()
    sink = ProfileSink(out, user_frame=lambda f: f.function == "main")
    sink.handle(call("write", 1000, WRITE, 2))
    assert sink.report().hot_paths[0][0] == ("main", "emit_line")


def test_same_name_in_two_modules_is_told_apart() -> None:
    libapp = "/tmp/build/libapp.so"
    a = (lib("write", 0x120), fn("log_line", "/src/app/log.c", 3), main_at(9), *START)
    b = (lib("write", 0x120), fn("log_line", "/src/lib/log.c", 7, module=libapp), main_at(10), *START)
    sink, text = profile_of([call("write", 2000, a, 1), call("write", 1000, b, 1)])
    names = [f.name for f in sink.report().functions]
    assert names == ["log_line [report]", "log_line [libapp.so]"]
    assert "main -> log_line [libapp.so]" in text


def test_frame_names_fall_back_to_symbol_then_address() -> None:
    assert frame_name(fn("main", "m.c", 1)) == "main"
    assert frame_name(lib("__open64", 0xF1)) == "__open64"
    assert frame_name(SourceFrame(LIBC, 0x2A0F1, "", "", 0)) == "libc.so.6+0x2a0f1"
    assert frame_name(SourceFrame("", 0x10, "", "", 0)) == "[unknown]"
    assert frame_name(SourceFrame(PROG, 1, "bad\nname\x00", "", 0)) == "bad?name?"


# --- --flamegraph ------------------------------------------------------------------------------

_START = "_start;__libc_start_main;__libc_start_call_main"
EXPECTED_FOLDED = """\
[unknown];brk 2000
__mmap;mmap 8000
_start;__libc_start_main;__libc_start_call_main;main;load_config;__open64;openat 40000
_start;__libc_start_main;__libc_start_call_main;main;load_config;read_all;next_chunk;read;read 1000001
_start;__libc_start_main;__libc_start_call_main;main;load_config;read_all;read;read 300000
"""
EXPECTED_FOLDED += f"{_START};main;write_report;emit_line;_IO_new_file_write;write;write 750000\n"
_FOLDED_LINE = re.compile(r"^([^;\n]+(?:;[^;\n]+)*) (\d+)$")


def _parse_folded(text: str) -> dict[tuple[str, ...], int]:
    stacks: dict[tuple[str, ...], int] = {}
    for line in text.splitlines():
        m = _FOLDED_LINE.match(line)
        assert m, line
        key = tuple(m.group(1).split(";"))
        stacks[key] = stacks.get(key, 0) + int(m.group(2))
    return stacks


@pytest.mark.parametrize("name", ["out.folded", "out.txt", "OUT.FOLDED"])
def test_flamegraph_folded_stacks_weighted_by_syscall_ns(tmp_path: Path, name: str) -> None:
    text = flame_of(tmp_path, table_events(), name)
    assert text == EXPECTED_FOLDED
    assert sum(_parse_folded(text).values()) == TOTAL_NS


def test_folded_frames_never_contain_the_separator() -> None:
    stacks = StackWeights()
    stacks.add(call("write", 5, (fn("<[u8; 4] as Debug>::fmt", "/src/a.rs", 2),), 0))
    assert folded(stacks) == "<[u8: 4] as Debug>::fmt;write 5\n"


SVG = "{http://www.w3.org/2000/svg}"


def _prefixes(events) -> set[tuple]:
    """Every distinct path from the root of the merged stacks: one SVG node each."""
    prefixes = set()
    for ev in events:
        names = [frame_name(f) for f in reversed(ev.frames)] or ["[unknown]"]
        path = [(n, False) for n in names] + [(clean(ev.name) or "[unknown]", True)]
        prefixes |= {tuple(path[: i + 1]) for i in range(len(path))}
    return prefixes


def test_flamegraph_svg_has_a_titled_rect_per_node(tmp_path: Path) -> None:
    events = table_events()
    root = ET.fromstring(flame_of(tmp_path, events, "out.svg"))
    groups = root.findall(f"{SVG}g")
    assert len(root.findall(f".//{SVG}rect")) == len(groups) == len(_prefixes(events)) + 1  # + 'all'
    titles = [g.find(f"{SVG}title").text for g in groups]
    assert titles[0] == "all (2.100 ms, 100.00%)"
    assert "read_all (1.300 ms, 61.90%)" in titles
    assert "write [syscall] (750.000 µs, 35.71%)" in titles
    assert "brk [syscall] (2.000 µs, 0.10%)" in titles
    widths = {g.get("data-n"): float(g.find(f"{SVG}rect").get("width")) for g in groups}
    assert widths["all"] == 1180.0
    assert widths["load_config"] == pytest.approx(1180 * 1_340_001 / TOTAL_NS, abs=0.1)
    script = root.find(f"{SVG}script").text
    assert "function zoom" in script and "addEventListener(\"click\"" in script
    assert not [e for e in root.iter() if any("href" in k for k in e.attrib)]  # nothing loaded from outside


def test_flamegraph_svg_escapes_names(tmp_path: Path) -> None:
    frames = (fn('std::map<int, "x"&y>::at', "/src/a.cc", 3),)
    root = ET.fromstring(flame_of(tmp_path, [call("read", 10, frames, 0)], "a.svg"))
    assert [g.get("data-n") for g in root.findall(f"{SVG}g")][1] == 'std::map<int, "x"&y>::at'


def test_duration_text_picks_a_unit() -> None:
    assert [duration_text(n) for n in (999, 1000, 2_500_000, 3_000_000_000)] == [
        "999 ns", "1.000 µs", "2.500 ms", "3.000 s"]


# speedscope's file format (its published file-format-spec): the parts renacer writes
SPEEDSCOPE_SCHEMA = {
    "type": "object",
    "required": ["$schema", "shared", "profiles"],
    "properties": {
        "$schema": {"const": "https://www.speedscope.app/file-format-schema.json"},
        "name": {"type": "string"},
        "exporter": {"type": "string"},
        "activeProfileIndex": {"type": "integer", "minimum": 0},
        "shared": {
            "type": "object", "required": ["frames"],
            "properties": {"frames": {"type": "array", "items": {
                "type": "object", "required": ["name"], "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "file": {"type": "string"},
                               "line": {"type": "number"}, "col": {"type": "number"}}}}},
        },
        "profiles": {"type": "array", "items": {
            "type": "object",
            "required": ["type", "name", "unit", "startValue", "endValue", "samples", "weights"],
            "properties": {
                "type": {"const": "sampled"},
                "name": {"type": "string"},
                "unit": {"enum": ["none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"]},
                "startValue": {"type": "number"},
                "endValue": {"type": "number"},
                "samples": {"type": "array",
                            "items": {"type": "array", "items": {"type": "integer", "minimum": 0}}},
                "weights": {"type": "array", "items": {"type": "number", "minimum": 0}},
            }}},
    },
}


def _check_speedscope(doc: dict) -> list[tuple[tuple[str, ...], int]]:
    """Validate ``doc``; its samples as (names root first, weight)."""
    jsonschema.validate(doc, SPEEDSCOPE_SCHEMA)
    frames = doc["shared"]["frames"]
    (profile,) = doc["profiles"]
    assert len(profile["samples"]) == len(profile["weights"])
    assert profile["endValue"] - profile["startValue"] == sum(profile["weights"])
    assert all(0 <= i < len(frames) for s in profile["samples"] for i in s)
    return [(tuple(frames[i]["name"] for i in s), w) for s, w in zip(profile["samples"], profile["weights"],
                                                                      strict=True)]


def test_flamegraph_speedscope_validates_and_matches_the_folded_stacks(tmp_path: Path) -> None:
    doc = json.loads(flame_of(tmp_path, table_events(), "run.speedscope.json"))
    samples = _check_speedscope(doc)
    assert doc["profiles"][0]["unit"] == "nanoseconds" and doc["exporter"].startswith("renacer@")
    assert dict(samples) == _parse_folded(EXPECTED_FOLDED)
    assert [s for s, _ in samples][0][-1] == "openat"  # samples in the order stacks were first seen
    files = {f["name"]: f.get("file") for f in doc["shared"]["frames"]}
    assert files["read_all"] == "/src/app/config.c" and files["next_chunk"] == "/src/app/buf.h"
    assert files["__open64"] is None


@pytest.mark.parametrize("name", ["out.png", "out.json", "flame", ".svg"])
def test_flamegraph_unknown_extension_names_the_supported_ones(tmp_path: Path, name: str) -> None:
    with pytest.raises(RenacerError) as err:
        FlameSink(str(tmp_path / name))
    assert "unknown file type (supported: .speedscope.json, .folded, .txt, .svg)" in err.value.message
    assert not (tmp_path / name).exists()


def test_flamegraph_unwritable_path_fails_before_tracing(tmp_path: Path) -> None:
    with pytest.raises(RenacerError, match=r"cannot write flamegraph .*/no/such/dir/f\.svg: No such file"):
        FlameSink(str(tmp_path / "no/such/dir/f.svg"))


def test_flamegraph_write_failure_at_close_is_reported(tmp_path: Path) -> None:
    full = tmp_path / "full.folded"
    full.symlink_to("/dev/full")  # every write to /dev/full fails with ENOSPC
    sink = FlameSink(str(full))
    sink.handle(call("write", 10, WRITE, 2))
    with pytest.raises(RenacerError, match="cannot write flamegraph .*full.folded: No space left on device"):
        sink.close()
    sink.close()  # a second close does nothing


# --- random stacks -----------------------------------------------------------------------------

_names = st.text(st.characters(codec="utf-8", exclude_categories=()) | st.sampled_from(";<>&\"\n\x00\ud800 "),
                 max_size=12)
_frames = st.builds(SourceFrame, st.sampled_from([PROG, LIBC, "", "/lib/libx.so"]), st.integers(0, 2**64 - 1),
                    _names, st.sampled_from(["", "/src/a.c", "/usr/include/x.h", "b\ud800.c"]),
                    st.integers(0, 2**31), st.booleans(), _names, st.integers(0, 2**16))


@st.composite
def _events(draw) -> list[SyscallEvent]:
    events = []
    for i in range(draw(st.integers(0, 8))):
        frames = tuple(draw(st.lists(_frames, max_size=8)))
        choice = draw(st.integers(-2, len(frames) - 1))
        source = frames[choice] if choice >= 0 else (draw(_frames) if choice == -1 else None)
        name = draw(st.sampled_from(["read", "write", "openat", "", "futex"]))
        events.append(call(name, draw(st.integers(0, 10**10)), frames, source, at=i))
    return events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events())
def test_random_stacks_never_break_either_sink(tmp_path: Path, events: list[SyscallEvent]) -> None:
    total = sum(ev.duration_ns for ev in events)
    sink, text = profile_of(events)
    assert sink.report().total_ns == total and text.endswith("\n")
    assert sum(_parse_folded(flame_of(tmp_path, events, "r.folded")).values()) == total
    root = ET.fromstring(flame_of(tmp_path, events, "r.svg"))
    assert len(root.findall(f".//{SVG}rect")) == len(_prefixes(events)) + 1
    samples = _check_speedscope(json.loads(flame_of(tmp_path, events, "r.speedscope.json")))
    assert sum(w for _, w in samples) == total
