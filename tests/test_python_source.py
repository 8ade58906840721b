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
import threading
from pathlib import Path

import jsonschema
import pytest
from fidelity import PROGRAMS, TIMEOUT, renacer_argv
from pythons import INTERPRETERS, require

SCRIPT = PROGRAMS / "py_marked.py"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema" / "renacer-trace-1.schema.json"
_MARK = re.compile(r"#\s*syscall:\s*([a-z0-9_, ]+)$")
_LINE = re.compile(r'^(\w+)\(.*"(?P<path>[^"]*)".*\)\s+= .*?   '
                   r'\[(?P<file>[^\]]+):(?P<line>\d+) in (?P<fn>[^\]]+)\]$')


def _interpreter(name: str) -> str:
    return require(INTERPRETERS[name])


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


def _k_stack(lines: list[str], at: int) -> list[str]:
    """The ` > ` lines of the -k stack after line ``at``."""
    stack = []
    for t in lines[at + 1:]:
        if not t.startswith(" > "):
            break
        stack.append(t)
    return stack


def test_stack_mode_native_shows_no_python_frames(tmp_path):
    python = _interpreter("3.12")
    done = _run("-k", "--stack=native", "-e", "trace=newfstatat", "--", python, str(SCRIPT), str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    at = next(i for i, t in enumerate(lines) if t.startswith("newfstatat(") and "missing" in t)
    stack = _k_stack(lines, at)
    assert any("libpython3.12" in t and "(_PyEval_EvalFrameDefault+" in t for t in stack), stack
    assert not [t for t in stack if t.startswith(f" > {SCRIPT}:")], stack


# the Python frames of the sort key's stat, in runs that one evaluation-loop call ran each: the
# lambda is called from C (list.sort), main from <module> (3.11+ run Python calls in the caller's loop)
_KEY_RUNS = {"3.10": [["<lambda>"], ["main"], ["<module>"]]}
_KEY_RUNS_MODERN = [["main.<locals>.<lambda>"], ["main", "<module>"]]


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_mixed_places_each_python_frame_at_the_evaluation_loop_call_that_runs_it(version, tmp_path):
    python = _interpreter(version)
    work = tmp_path / "work"
    work.mkdir()
    done = _run("-k", "--stack=mixed", "-e", "trace=newfstatat", "--", python, str(SCRIPT), str(work))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    key_stat = f'newfstatat(AT_FDCWD, "{work}/a'
    stack = _k_stack(lines, next(i for i, t in enumerate(lines) if t.startswith(key_stat)))
    runs: list[list[str]] = [[]]
    evals = 0
    for t in stack:
        if t.startswith(f" > {SCRIPT}:"):
            runs[-1].append(re.search(r" in (\S+)", t).group(1))
        elif runs[-1] and "[inlined into " not in t:  # the native frame after a run of Python frames
            assert "(_PyEval_EvalFrameDefault+" in t, t  # (past what is inlined into it) ...
            runs.append([])
        if "(_PyEval_EvalFrameDefault+" in t:
            evals += 1
    runs = [run for run in runs if run]
    assert runs == _KEY_RUNS.get(version, _KEY_RUNS_MODERN), stack
    assert evals == len(runs), stack  # ... is the evaluation loop's, one call for each run
    assert stack[0].startswith(" > ") and "libc.so" in stack[0]  # native frames innermost


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
    script, stop = tmp_path / "loop.py", tmp_path / "stop"
    # runs until told to stop, so a slow start of the tracer on a loaded machine cannot miss it
    script.write_text("import os, sys, time\n"
                      "def tick():\n"
                      "    os.stat(sys.argv[1])\n"
                      "print('ready', flush=True)\n"
                      "while not os.path.exists(sys.argv[2]):\n"
                      "    tick(); time.sleep(0.01)\n")
    target = subprocess.Popen([python, str(script), str(tmp_path), str(stop)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert target.stdout is not None and target.stdout.readline() == "ready\n"
        argv = [*renacer_argv(), "--source", "-e", "trace=newfstatat", "-p", str(target.pid)]
        tracer = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        assert tracer.stderr is not None
        watchdog = threading.Timer(TIMEOUT, tracer.kill)  # a renacer that never prints ends the wait
        watchdog.start()
        seen = []
        while len(seen) < 3:  # three whole calls printed: the attach is done and annotating
            line = tracer.stderr.readline()
            assert line, f"renacer ended before printing: {seen}"
            if line.startswith("newfstatat(") and " = " in line:
                seen.append(line.rstrip("\n"))
        watchdog.cancel()
        tracer.send_signal(2)  # SIGINT: detach, leave the program running
        _, rest = tracer.communicate(timeout=30)
        # a call the detach lands in is printed `<detached ...>`, as strace does: only whole ones
        whole = seen + [t for t in rest.splitlines() if t.startswith("newfstatat(") and " = " in t]
        ticks = [t for t in whole if f'"{tmp_path}",' in t]
        assert ticks and all(t.endswith(f"   [{script}:3 in tick]") for t in ticks), whole
        checks = [t for t in whole if f'"{stop}",' in t]  # the loop's own os.path.exists
        assert checks and all(t.endswith(f"   [{script}:5 in <module>]") for t in checks), whole
        assert target.poll() is None  # still running after the detach
        stop.touch()
        assert target.wait(timeout=30) == 0
    finally:
        if target.poll() is None:
            target.kill()
            target.wait()


def test_mixed_puts_runs_left_over_by_a_short_native_stack_at_its_end():
    from renacer.enrich import mixed
    from renacer.events import PYTHON, SourceFrame

    def native(name: str, inlined: bool = False) -> SourceFrame:
        return SourceFrame("/lib/libpython3.12.so", 16, name, "", 0, inlined)

    def py(name: str, inlined: bool) -> SourceFrame:
        return SourceFrame(PYTHON, 0, name, "/app.py", 1, inlined)

    inner, caller, top = py("inner", True), py("caller", False), py("<module>", False)
    stat, loop = native("os_stat"), native("_PyEval_EvalFrameDefault")
    helper = native("call_function", inlined=True)  # inlined into the loop: the run goes before it
    assert mixed((stat, helper, loop), (inner, caller, top)) == (stat, inner, caller, helper, loop, top)
    assert mixed((), (inner, top)) == (inner, top)


def test_a_library_mapped_by_untraced_calls_is_found_before_the_next_traced_one(tmp_path):
    # only openat is traced: the mmaps that map libpython stop the task but are not printed; the
    # interpreter must still be known at the next openat, so C start-up code in libpython (locale
    # set-up, path config) is 'no Python frame', not credited to libpython's C lines as user code
    python = _interpreter("3.12")
    done = _run("--source", "-e", "trace=openat", "--", python, "-c", "open('/dev/null').close()")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    loaded = next(i for i, t in enumerate(lines) if "libpython3.12.so" in t and "= 3" in t)
    after = [t for t in lines[loaded + 1:] if t.startswith("openat(")]
    assert after and not [t for t in after if re.search(r"\.[ch]:\d+ in \w+\]$", t)], after
    assert after[-1].endswith("   [<string>:1 in <module>]"), after[-1]


@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_code_compiled_from_a_string_is_the_users_unless_the_standard_library_ran_it(version, tmp_path):
    python = _interpreter(version)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    by_site, by_user = tmp_path / "by-site", tmp_path / "by-user"
    by_site.touch()
    by_user.touch()
    # a .pth line site exec's, which exec's again: both compiled from strings, run by the standard library
    (site_dir / "probe.pth").write_text(f"import os; exec(\"os.stat({str(by_site)!r})\")\n")
    generated = f"import os\nos.stat({str(by_user)!r})"
    program = ("import site, os\n"
               f"site.addsitedir({str(site_dir)!r})\n"
               f"exec(compile({generated!r}, '<generated>', 'exec'))\n")
    done = _run("--source", "-e", "trace=newfstatat", "--", python, "-c", program)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [t for t in done.stderr.splitlines() if t.startswith("newfstatat(")]
    site_line = next(t for t in lines if str(by_site) in t)
    user_line = next(t for t in lines if str(by_user) in t)
    assert site_line.endswith("   [<string>:2 in <module>]"), site_line  # the -c line that called addsitedir
    assert user_line.endswith("   [<generated>:2 in <module>]"), user_line
