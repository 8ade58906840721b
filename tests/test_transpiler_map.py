"""--transpiler-map: syscalls of transpiled Rust shown at the lines of the original Python.

tests/programs/transpiled_app.rs stands in for a transpiler's output, transpiled_app.py for its
input and transpiled_app.map.json for the map between them (each function's closing brace left
out on purpose: the close() of a dropped File is 'approximate'). The end-to-end tests trace the
real program; the unit tests check the loader's validation and the matching rules.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fidelity import PROGRAMS, Completed

import renacer
from renacer.errors import RenacerError
from renacer.events import SourceFrame
from renacer.source.transpiler import SourceMaps, function_path, load_map, same_file

MAP = PROGRAMS / "transpiled_app.map.json"
TAIL = re.compile(r"   \[(.*)\]$")  # --source's column at the end of a line
EXACT = re.compile(r"\[transpiled_app\.py:12 in write_record ← \S*transpiled_app\.rs:11\]$")
APPROXIMATE = re.compile(r"\[transpiled_app\.py:~13 in write_record ← \S*transpiled_app\.rs:13\]$")


@pytest.fixture(scope="module")
def app(build: Callable[[str], Path]) -> Path:
    if shutil.which("rustc") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("rustc is needed to build tests/programs/transpiled_app.rs")
        pytest.skip("rustc is not installed")
    return build("transpiled_app.rs")


@pytest.fixture(scope="module")
def traced(app: Path, renacer_cmd: list[str], run_cmd: Callable[..., Completed],
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Completed, list[str]]:
    """One --transpiler-map run: its result and its trace lines (-o, apart from renacer's notes)."""
    tmp = tmp_path_factory.mktemp("transpiled")
    done = run_cmd([*renacer_cmd, "--transpiler-map", MAP, "-o", tmp / "trace.txt", "--", app, tmp / "rec"])
    assert done.returncode == 0, done.stderr
    return done, (tmp / "trace.txt").read_text().splitlines()


def _syscall_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith(("+++", "---"))]


def test_nearly_every_syscall_shows_the_python_line(traced) -> None:
    done, lines = traced
    calls = _syscall_lines(lines)
    mapped = [line for line in calls if re.search(r"   \[transpiled_app\.py:~?\d+ in \w+ ← ", line)]
    share = len(mapped) / len(calls)
    print(f"mapped to the Python source: {len(mapped)} of {len(calls)} syscalls ({100 * share:.1f}%)")
    assert share >= 0.95, (share, [line for line in calls if line not in mapped][:80])
    assert any(EXACT.search(line) for line in calls if line.startswith("openat("))
    assert any(APPROXIMATE.search(line) for line in calls if line.startswith("close("))  # the unmapped '}'
    assert any(re.search(r"^exit_group\(0\) .*\[transpiled_app\.py:34 in main ← ", line) for line in calls)
    notes = done.stderr.splitlines()
    assert re.fullmatch(r"renacer: source: [\d.]+% of \d+ syscalls attributed(; .*)?", notes[-2]), notes
    closing = re.fullmatch(r"renacer: source: ([\d.]+)% of (\d+) attributed syscalls mapped to the original"
                           r" source \((\d+) exact, (\d+) approximate\)", notes[-1])
    assert closing, notes
    assert int(closing.group(3)) + int(closing.group(4)) == len(mapped)
    assert int(closing.group(4)) == sum(1 for line in mapped if "py:~" in line) > 0


def test_stack_trace_shows_the_mapped_frames(app, renacer, tmp_path) -> None:
    done = renacer("-k", "--transpiler-map", MAP, "-e", "trace=openat,exit_group", "--", app,
                   tmp_path / "rec")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if str(tmp_path / "rec") in line)
    stack = []
    for line in lines[first + 1:]:
        if not line.startswith(" > "):
            break
        stack.append(line)
    source = next(line for line in stack if line.endswith("<- source (exact)") or "<- source (" in line)
    # the binary's own function and offset, then the original line and the generated one
    assert re.search(r"\(transpiled_app::write_record[)+].*\(transpiled_app\.py:12 in write_record"
                     r" ← \S*transpiled_app\.rs:11\)  <- source \(", source), stack
    callers = "\n".join(stack[stack.index(source) + 1:])
    assert re.search(r"\(transpiled_app\.py:24 in process_data ← \S*transpiled_app\.rs:23\)", callers), stack
    assert re.search(r"\(transpiled_app\.py:31 in main ← \S*transpiled_app\.rs:32\)", callers), stack
    assert "/library/std/" in "\n".join(stack)  # std's frames stay as they are


def test_recording_carries_the_mapping_and_replays_with_the_same_text(app, renacer, tmp_path, traced) -> None:
    recording = tmp_path / "run.jsonl"
    done = renacer("--transpiler-map", MAP, "--format", "json", "-o", recording, "--", app, tmp_path / "rec")
    assert done.returncode == 0, done.stderr
    sources = [r["source"] for r in map(json.loads, recording.read_text().splitlines())
               if r.get("type") == "syscall" and r.get("source")]
    exact = next(s for s in sources if s["mapping"] == "exact" and s["generated_line"] == 11)
    assert (exact["file"], exact["line"], exact["function"]) == ("transpiled_app.py", 12, "write_record")
    assert exact["generated_file"].endswith("transpiled_app.rs")
    assert exact["generated_function"] == "transpiled_app::write_record"
    assert any(s["mapping"] == "approximate" and (s["line"], s["generated_line"]) == (13, 13)
               for s in sources)
    # replayed with the map given again (stacks symbolized again), and without it (the recorded frames)
    again = renacer("--input", recording, "--transpiler-map", MAP, "-o", tmp_path / "again.txt")
    recorded = renacer("--input", recording, "--source", "-o", tmp_path / "recorded.txt")
    assert again.returncode == 0 and recorded.returncode == 0, (again.stderr, recorded.stderr)
    replayed = (tmp_path / "again.txt").read_text()
    assert replayed == (tmp_path / "recorded.txt").read_text()
    assert again.stderr.splitlines()[-1] == recorded.stderr.splitlines()[-1] == done.stderr.splitlines()[-1]
    # the same source column, call by call, as the live text run of the same program
    live = [_tail(line) for line in _syscall_lines(traced[1])]
    assert [_tail(line) for line in _syscall_lines(replayed.splitlines())] == live


def _tail(line: str) -> str:
    found = TAIL.search(line)
    return f"{line.split('(', 1)[0]} {found.group(1) if found else ''}"


def test_function_time_and_flamegraph_name_the_python_functions(app, renacer, tmp_path) -> None:
    folded = tmp_path / "x.folded"
    done = renacer("--transpiler-map", MAP, "--function-time", "--flamegraph", folded,
                   "-o", tmp_path / "trace.txt", "--", app, tmp_path / "rec")
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "trace.txt").read_text()
    table = report[report.index("syscall time by user function"):report.index("hot paths")]
    for name in ("write_record", "read_record", "main"):
        assert re.search(rf" transpiled_app\.py:\d+ +{name}$", table, re.M), table
    assert "main -> process_data -> write_record" in report
    assert "transpiled_app::" not in report[report.index("syscall time by user function"):]
    stacks = folded.read_text()
    assert re.search(r";main;process_data;write_record;.*;openat \d+$", stacks, re.M), stacks[:2000]
    assert re.search(r";main;process_data;read_record;.*;read \d+$", stacks, re.M)
    assert "transpiled_app::write_record" not in stacks


_HEAD = '{"version": 1, "source_language": "python", "source_file": "app.py", '
_ENTRY = '{"rust_line": %s, "rust_function": "f", "python_line": 3, "python_function": "f"}'
BAD_MAPS = {
    "invalid JSON": ('{"version": 1,\n  "source_file": }',
                     r"invalid JSON at line 2, column 18: Expecting value"),
    "version": ('{"version": 2}', r"unsupported version 2 \(renacer reads version 1\)"),
    "missing field": ('{"version": 1, "source_language": "python", "source_file": "app.py", "mappings": []}',
                      r"missing \"generated_file\""),
    "entry field type": (_HEAD + '"generated_file": "a.rs", "mappings": [' + _ENTRY % 4 + ", "
                         + _ENTRY % '"40"' + "]}",
                         r'mappings\[1\]\.rust_line is "40", not an integer'),
    "entry type": (_HEAD + '"generated_file": "a.rs", "mappings": [7]}',
                   r"mappings\[0\] is 7, not an object"),
}


@pytest.mark.parametrize("case", ["missing file", *BAD_MAPS])
def test_a_bad_map_is_one_error_line_and_nothing_is_traced(app, renacer, tmp_path, case) -> None:
    path = tmp_path / "app.map.json"
    if case == "missing file":
        message = r"No such file or directory"
    else:
        text, message = BAD_MAPS[case]
        path.write_text(text)
    out = tmp_path / "rec"
    done = renacer("--transpiler-map", MAP, "--transpiler-map", path, "--", app, out)
    assert done.returncode == 1
    expected = rf"renacer: transpiler map '{re.escape(str(path))}': {message}\n"
    assert re.fullmatch(expected, done.stderr), done.stderr
    assert done.stdout == "" and not out.exists()  # the program never ran


def test_python_api_yields_mapped_sources(app, tmp_path) -> None:
    events = [ev for ev in renacer.trace([str(app), str(tmp_path / "rec")], source="user",
                                         transpiler_maps=(str(MAP),))
              if isinstance(ev, renacer.SyscallEvent)]
    mapped = [ev.source for ev in events if ev.source is not None and ev.source.mapping]
    assert len(mapped) >= 0.95 * len(events)
    write = next(s for s in mapped if s.generated_line == 12)
    assert (write.file, write.line, write.function, write.mapping) == (
        "transpiled_app.py", 13, "write_record", "exact")
    assert write.generated_function == "transpiled_app::write_record"


def test_python_api_maps_alone_imply_source(app, tmp_path) -> None:
    events = renacer.trace([str(app), str(tmp_path / "rec")], transpiler_maps=(str(MAP),))
    assert any(isinstance(ev, renacer.SyscallEvent) and ev.source is not None and ev.source.mapping == "exact"
               for ev in events)


def test_python_api_bad_map_raises_before_the_program_runs(app, tmp_path) -> None:
    events = renacer.trace([str(app), str(tmp_path / "rec")], source="user",
                           transpiler_maps=(str(tmp_path / "none.json"),))
    with pytest.raises(RenacerError, match="none.json': No such file or directory"):
        next(events)
    assert not (tmp_path / "rec").exists()


# --- the loader and the matching rules ---------------------------------------------------------

def test_the_fixture_map_points_at_the_lines_it_says() -> None:
    tmap = load_map(str(MAP))
    rust = (PROGRAMS / "transpiled_app.rs").read_text().splitlines()
    python = (PROGRAMS / "transpiled_app.py").read_text().splitlines()
    for entry in tmap.mappings:
        assert python[entry.python_line - 1].strip() == entry.python_context, entry
        code = rust[entry.rust_line - 1].strip()
        assert code and not code.startswith("//") and code != "}", entry
    mapped = {entry.rust_line for entry in tmap.mappings}
    assert 13 not in mapped and rust[12].strip() == "}"  # left out on purpose: 'approximate'


def _frame(file: str, line: int, function: str) -> SourceFrame:
    return SourceFrame(module="/bin/app", offset=0x1234, function=function, file=file, line=line)


def _write_map(tmp_path: Path, name: str, generated: str, entries: list[tuple], **extra) -> str:
    doc = {"version": 1, "source_language": "python", "source_file": f"{name}.py",
           "generated_file": generated, "mappings": [
               {"rust_line": r, "rust_function": rf, "python_line": p, "python_function": pf}
               for r, rf, p, pf in entries], **extra}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_lines_map_exactly_then_approximately_within_their_function(tmp_path) -> None:
    maps = SourceMaps.load([
        _write_map(tmp_path, "app", "src/main.rs", [(40, "process_data", 12, "process_data"),
                                                    (44, "process_data", 14, "process_data"),
                                                    (60, "main", 20, "main")]),
        _write_map(tmp_path, "util", "src/util.rs", [(5, "helper", 3, "helper")]),
    ])
    exact = maps.frame(_frame("/home/me/app/src/main.rs", 40, "app::process_data"))
    assert (exact.file, exact.line, exact.function, exact.mapping) == ("app.py", 12, "process_data", "exact")
    assert (exact.generated_file, exact.generated_line, exact.generated_function) == (
        "src/main.rs", 40, "app::process_data")  # the file as the map names it, not the build's path
    near = maps.frame(_frame("src/main.rs", 47, "app::process_data::{{closure}}"))
    assert (near.line, near.mapping, near.generated_line) == (14, "approximate", 47)
    assert maps.frame(_frame("src/main.rs", 39, "app::process_data")).mapping == ""  # nothing before it
    assert maps.frame(_frame("src/main.rs", 50, "app::other")).mapping == ""  # another function's lines
    assert maps.frame(_frame("crates/util.rs", 5, "helper")).mapping == ""  # not that file
    assert maps.frame(_frame("./src/util.rs", 5, "util::helper")).file == "util.py"  # several maps combine
    unmapped = _frame("/rustc/abc/library/std/src/fs.rs", 40, "std::fs::write")
    assert maps.frame(unmapped) is unmapped


def test_function_map_names_entries_without_an_original_function(tmp_path) -> None:
    path = _write_map(tmp_path, "app", "src/main.rs", [(7, "run_stage", 3, "")],
                      function_map={"run_stage": "run_stage(config, rows)"})
    assert SourceMaps.load([path]).frame(_frame("src/main.rs", 7, "app::run_stage")).function == "run_stage"


@pytest.mark.parametrize(("name", "path"), [
    ("app::process_data", ("app", "process_data")),
    ("app::process_data::{{closure}}", ("app", "process_data")),
    ("app::process_data::{closure#0}::{closure#1}", ("app", "process_data")),
    ("app::process_data::<u8, alloc::vec::Vec<u8>>", ("app", "process_data")),
    ("<app::Stage as app::Run>::run", ("app", "Stage", "run")),
    ("<app::Stage<T>>::run::h0123456789abcdef", ("app", "Stage", "run")),
])
def test_rust_function_names_match_as_paths(name, path) -> None:
    assert function_path(name) == path


def test_generated_files_match_on_whole_path_components() -> None:
    assert same_file("/home/me/app/src/main.rs", "src/main.rs")
    assert same_file("src/main.rs", "/home/me/app/src/main.rs")
    assert same_file("./src/main.rs", "src/main.rs")
    assert not same_file("/home/me/app/xsrc/main.rs", "src/main.rs")
    assert not same_file("src/lib.rs", "src/main.rs")


def test_map_validation_names_the_field(tmp_path) -> None:
    good = json.loads(MAP.read_text())
    cases = [
        ({**good, "mappings": {}}, r"mappings is \{\}, not a list"),
        ({**good, "version": True}, r"version is true, not an integer"),
        ({**good, "generated_file": ""}, r'"generated_file" is empty'),
        ({**good, "function_map": {"main": 3}}, r'function_map\["main"\] is 3, not a string'),
        ({**good, "mappings": [{**good["mappings"][0], "python_line": 0}]},
         r"mappings\[0\]\.python_line is 0, not a line number"),
        ({**good, "mappings": [{"rust_line": 3, "python_line": 2, "python_function": "f"}]},
         r'mappings\[0\] has no "rust_function"'),
        ([1, 2], r"not a JSON object"),
    ]
    for doc, message in cases:
        path = tmp_path / "m.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(RenacerError, match=message):
            load_map(str(path))
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(RenacerError, match="not UTF-8 text"):
        load_map(str(tmp_path / "bin.json"))
    with pytest.raises(RenacerError, match="Is a directory"):
        load_map(str(tmp_path))
