"""`--source`, `-k` and `--stack` on Python programs: the Python line behind every syscall.

The fixture (tests/programs/py_marked.py) marks each line that makes a syscall with
``# syscall: NAME``; every call of a marked name on a path under the fixture's directory must
be credited to a marked line of that name, on every interpreter the machine has: the pyenv
builds (shared libpython, PIE) and Debian's python3.11 (static, stripped).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest
from fidelity import PROGRAMS, renacer_argv

INTERPRETERS = {
    "3.10": "/root/.pyenv/versions/3.10.13/bin/python3",
    "3.11": "/root/.pyenv/versions/3.11.7/bin/python3",
    "3.12": "/root/.pyenv/versions/3.12.1/bin/python3",
    "3.13": "/root/.pyenv/versions/3.13.0/bin/python3",
    "debian-3.11": "/usr/bin/python3.11",
}
SCRIPT = PROGRAMS / "py_marked.py"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema" / "renacer-trace-1.schema.json"
_MARK = re.compile(r"#\s*syscall:\s*([a-z0-9_, ]+)$")
_LINE = re.compile(r'^(\w+)\(.*"(?P<path>[^"]*)".*\)\s+= .*?   '
                   r'\[(?P<file>[^\]]+):(?P<line>\d+) in (?P<fn>[^\]]+)\]$')


def _interpreter(name: str) -> str:
    path = INTERPRETERS[name]
    if not Path(path).exists():
        pytest.skip(f"{path} is not installed")
    return path


def _marks() -> dict[int, set[str]]:
    marks = {}
    for n, text in enumerate(SCRIPT.read_text().splitlines(), 1):
        found = _MARK.search(text)
        if found:
            marks[n] = {s.strip() for s in found.group(1).split(",")}
    return marks


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*renacer_argv(), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_source_names_the_python_line_of_every_call(version, tmp_path):
    python = _interpreter(version)
    done = _run("--source", "-e", "trace=openat,newfstatat", "--", python, str(SCRIPT), str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    marks = _marks()
    seen = set()
    for text in done.stderr.splitlines():
        if str(tmp_path) not in text or not re.match(r"^(openat|newfstatat)\(", text):
            continue
        found = _LINE.match(text)
        assert found, f"no Python source on: {text}"
        name, line = text.split("(", 1)[0], int(found.group("line"))
        assert found.group("file") == str(SCRIPT), text
        assert name in marks.get(line, set()), f"{text}\n  credited to {line}, marked {marks.get(line)}"
        seen.add(line)
    assert seen == set(marks), f"marked lines never seen: {sorted(set(marks) - seen)}"
    qualified = "Store.save" if version != "3.10" else "save"  # 3.10's code objects have no qualname
    assert f"in {qualified}]" in done.stderr and "in ünïcode_name]" in done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.startswith("renacer: source: ")
    assert "no Python frame (interpreter start-up or exit)" in summary


def test_k_shows_the_python_stack_innermost_first(tmp_path):
    python = _interpreter("3.12")
    done = _run("-k", "-e", "trace=newfstatat", "--", python, str(SCRIPT), str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    at = next(i for i, t in enumerate(lines) if t.startswith("newfstatat(") and "missing" in t)
    stack = lines[at + 1:at + 5]
    assert re.fullmatch(r" > (<frozen genericpath>|\S+/genericpath.py):\d+ in exists", stack[0]), stack
    here = _line_of("return os.path.exists(path)")
    assert stack[1] == f" > {SCRIPT}:{here} in exists_via_stdlib  <- source (exact)"
    assert stack[2] == f" > {SCRIPT}:{_line_of('exists_via_stdlib(os.path.join')} in main"
    assert stack[3] == f" > {SCRIPT}:{_line_of('sys.exit(main())')} in <module>"


def _line_of(fragment: str) -> int:
    return next(n for n, t in enumerate(SCRIPT.read_text().splitlines(), 1) if fragment in t)


@pytest.mark.parametrize("mode", ["native", "mixed"])
def test_stack_mode_native_and_mixed(mode, tmp_path):
    python = _interpreter("3.12")
    done = _run("-k", f"--stack={mode}", "-e", "trace=newfstatat", "--", python, str(SCRIPT), str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    at = next(i for i, t in enumerate(lines) if t.startswith("newfstatat(") and "missing" in t)
    stack = []
    for t in lines[at + 1:]:
        if not t.startswith(" > "):
            break
        stack.append(t)
    native = [t for t in stack if "libpython3.12" in t]
    python_frames = [t for t in stack if t.startswith(f" > {SCRIPT}:")]
    assert native, stack
    if mode == "native":
        assert not python_frames, stack
    else:
        assert len(python_frames) == 3, stack
        first_python = stack.index(python_frames[0])
        assert any("libpython3.12" in t for t in stack[first_python:]), stack  # the interpreter below them


def test_a_recording_keeps_the_python_frames_for_replay(tmp_path):
    python = _interpreter("3.11")
    record = tmp_path / "run.jsonl"
    work = tmp_path / "work"
    work.mkdir()
    done = _run("--source", "--format", "json", "-o", str(record), "-e", "trace=openat", "--", python,
                str(SCRIPT), str(work))
    assert done.returncode == 0, done.stderr[-2000:]
    events = [json.loads(t) for t in record.read_text().splitlines()]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    for event in events:
        validator.validate(event)
    mine = [e for e in events
            if e.get("type") == "syscall" and str(work) in " ".join(e.get("entry_text", []))]
    assert mine and all(e["pystack"] and e["source"]["file"] == str(SCRIPT) for e in mine), mine[:1]
    replay = _run("--input", str(record), "--source", "-e", "trace=openat")
    assert replay.returncode == 0, replay.stderr
    recorded = [f"{e['source']['file']}:{e['source']['line']} in {e['source']['function']}]" for e in mine]
    again = [t.rsplit("   [", 1)[1] for t in replay.stderr.splitlines() if str(work) in t]
    assert again == recorded


def test_python_started_by_a_shell_script_and_followed_with_f(tmp_path):
    python = _interpreter("3.13")
    work = tmp_path / "work"
    work.mkdir()
    script = tmp_path / "run.sh"
    script.write_text(f"#!/bin/sh\n{python} {SCRIPT} {work}\n")
    script.chmod(0o755)
    done = _run("-f", "--source", "-e", "trace=openat", "--", str(script))
    assert done.returncode == 0, done.stderr[-2000:]
    ours = [t for t in done.stderr.splitlines() if str(work) in t and "openat(" in t]
    assert ours and all(f"[{SCRIPT}:" in t for t in ours), ours


def test_an_unknown_interpreter_version_gives_one_notice_and_native_frames():
    python = "/root/.pyenv/versions/3.9.18/bin/python3"
    if not Path(python).exists():
        pytest.skip(f"{python} is not installed")
    done = _run("--source", "-e", "trace=openat", "--", python, "-c", "open('/dev/null')")
    assert done.returncode == 0, done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    assert summary.startswith("renacer: source: ") and summary.count("unknown interpreter version") == 1
    assert summary.endswith("python 3.9: unknown interpreter version, native frames only"), summary
    assert re.search(r'openat\(AT_FDCWD, "/dev/null".* = 3   \[\S+\.c:\d+ in \w+\]$', done.stderr, re.M)


def test_attaching_to_a_running_python_process_names_its_lines(tmp_path):
    python = _interpreter("3.12")
    script = tmp_path / "loop.py"
    script.write_text("import os, sys, time\n"
                      "def tick():\n"
                      "    os.stat(sys.argv[1])\n"
                      "print('ready', flush=True)\n"
                      "for _ in range(300):\n"
                      "    tick(); time.sleep(0.01)\n")
    target = subprocess.Popen([python, str(script), str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout is not None and target.stdout.readline() == "ready\n"
        argv = [*renacer_argv(), "--source", "-e", "trace=newfstatat", "-p", str(target.pid)]
        tracer = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        tracer.send_signal(2)  # SIGINT: detach, leave the program running
        _, err = tracer.communicate(timeout=30)
        lines = [t for t in err.splitlines() if t.startswith("newfstatat(")]
        assert lines and all(t.endswith(f"   [{script}:3 in tick]") for t in lines), err[-1500:]
        assert target.poll() is None  # still running after the detach
        assert target.wait(timeout=30) == 0
    finally:
        if target.poll() is None:
            target.kill()
            target.wait()
