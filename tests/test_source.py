"""--source, -k, --function-time and --flamegraph on real C and Rust programs, end to end.

The fixtures (tests/programs/source_demo.c and .rs) mark each line that makes a syscall with a
trailing ``syscall: NAME`` comment; the tests expect renacer to name exactly those lines.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from fidelity import PROGRAMS, build_program

import renacer

TRACED = "trace=openat,read,close,write"


def _markers(name: str) -> dict[str, int]:
    """syscall -> the line marked for it in the fixture."""
    lines = (PROGRAMS / name).read_text().splitlines()
    return {m.group(1): i for i, text in enumerate(lines, 1) if (m := re.search(r"syscall: (\w+)", text))}


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "config.txt"
    path.write_text("name = renacer\n")
    return path


def _user_lines(stderr: str, data: Path) -> dict[str, str]:
    """syscall -> its trace line, for the calls the program makes on its data (after opening it)."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if str(data) in line)
    out: dict[str, str] = {}
    for line in lines[start:]:
        out.setdefault(line.split("(", 1)[0], line)
    return out


@pytest.mark.parametrize(("program", "functions"), [
    ("source_demo.c", {"openat": "load_config", "read": "read_all", "close": "close_quietly",
                       "write": "main"}),
    ("source_demo.rs", {"openat": "source_demo::load", "read": "source_demo::load",
                        "write": "source_demo::emit"}),
])
def test_source_names_the_marked_line_and_function(build, renacer, tmp_path, program, functions) -> None:
    data = _data(tmp_path)
    done = renacer("--source", "-e", TRACED, "--", build(program), data)
    assert done.returncode == 0, done.stderr
    lines = _user_lines(done.stderr, data)
    marks = _markers(program)
    for call, function in functions.items():
        assert re.search(rf"   \[\S*{re.escape(program)}:{marks[call]} in {re.escape(function)}\]$",
                         lines[call]), (call, lines.get(call), done.stderr)
    summary = done.stderr.splitlines()[-1]
    assert re.fullmatch(r"renacer: source: [\d.]+% of \d+ syscalls attributed(; .*)?", summary), summary


def test_stack_traces_show_frames_inlines_and_the_source(build, renacer, tmp_path) -> None:
    data = _data(tmp_path)
    done = renacer("-k", "-e", "trace=openat,close", "--", build("source_demo.c"), data)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    opened = next(i for i, ln in enumerate(lines) if str(data) in ln)
    stack = []
    for ln in lines[opened + 1:]:
        if not ln.startswith(" > "):
            break
        stack.append(ln)
    marks = _markers("source_demo.c")
    assert re.match(r" > /\S+libc\.so\.6\(\w+\+0x[0-9a-f]+\) \[0x[0-9a-f]+\]", stack[0]), stack
    assert re.search(rf"source_demo\(load_config\+0x[0-9a-f]+\) \[0x[0-9a-f]+\] "
                     rf"\(/\S+source_demo\.c:{marks['openat']}\)  <- source \(exact\)$", stack[1]), stack
    assert re.search(r"source_demo\(main\+0x[0-9a-f]+\) .*source_demo\.c:\d+\)$", stack[2]), stack
    closing = lines[lines.index("close(3)                                = 0") + 1:]
    inlined = rf"\(close_quietly\) \[inlined into load_config\] \(/\S+source_demo\.c:{marks['close']}\)"
    assert re.search(inlined + r"  <- source \(inlined\)$", "\n".join(closing), re.M), closing[:4]


def test_a_recording_keeps_stacks_and_replays_the_same_sources(build, renacer, tmp_path) -> None:
    data, rec = _data(tmp_path), tmp_path / "run.jsonl"
    binary = build("source_demo.c")
    done = renacer("--source", "--format", "json", "-o", rec, "-e", TRACED, "--", binary, data)
    assert done.returncode == 0, done.stderr
    records = [json.loads(x) for x in rec.read_text().splitlines()]
    opened = next(r for r in records if r.get("name") == "openat" and str(data) in r["entry_text"][1])
    assert opened["source"]["line"] == _markers("source_demo.c")["openat"]
    assert opened["located"] == "exact" and opened["stack"][0]["build_id"]
    live = renacer("--source", "-e", TRACED, "--", binary, data)
    replay = renacer("--input", rec, "--source")
    assert _user_lines(replay.stderr, data) == _user_lines(live.stderr, data)


def test_python_api_events_carry_their_source(build, tmp_path) -> None:
    data = _data(tmp_path)
    events = [ev for ev in renacer.trace([str(build("source_demo.c")), str(data)], source="user",
                                         trace=["openat"]) if isinstance(ev, renacer.SyscallEvent)]
    mine = [ev for ev in events if str(data) in ev.entry_text[1]]
    assert mine and mine[0].source is not None
    where = (mine[0].source.function, mine[0].source.line)
    assert where == ("load_config", _markers("source_demo.c")["openat"])
    assert mine[0].located == "exact"


def test_no_debug_info_traces_normally_with_one_line_saying_so(renacer, tmp_path) -> None:
    binary = tmp_path / "nodebug"
    subprocess.run(["strip", "-o", binary, build_program("source_demo.c", ("-O1", "-g0"))], check=True)
    data = _data(tmp_path)
    done = renacer("--source", "-e", TRACED, "--", binary, data)
    assert done.returncode == 0
    assert not re.search(r"\]$", "\n".join(_user_lines(done.stderr, data).values()))  # no source column
    notes = [ln for ln in done.stderr.splitlines() if ln.startswith("renacer:")]
    assert len(notes) == 1 and "no debug info" in notes[0] and "nodebug" in notes[0], notes


def test_function_time_and_flamegraph_follow_the_stacks(build, renacer, tmp_path) -> None:
    data, folded = _data(tmp_path), tmp_path / "calls.folded"
    done = renacer("--function-time", "--flamegraph", folded, "-e", TRACED, "--", build("source_demo.c"),
                   data)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^ *[\d.]+ +[\d.]+ +1 main -> load_config -> read_all$", done.stderr, re.M), done.stderr
    stacks = dict(line.rsplit(" ", 1) for line in folded.read_text().splitlines())
    # libc's read wrapper is named as the libc's symbols name it (__GI___libc_read with x86_64's, read)
    assert any(re.search(r";main;load_config;read_all;\w*read;read$", k) for k in stacks), stacks
    assert all(int(v) > 0 for v in stacks.values())


def test_unknown_flamegraph_format_is_one_error_line(renacer, tmp_path) -> None:
    done = renacer("--flamegraph", tmp_path / "x.png", "--", "true")
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("renacer: ")
