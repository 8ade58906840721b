"""The known traps of reading Python stacks (issue 6), each met by a real traced program.

exec resets everything (another Python version, a forked child that execs, a native program);
3.11's Thread.start() gives two thread states one native id for a moment; an exiting thread
and the loader run with no Python frame; multiprocessing forks children quickly; a signal
handler runs above the frame it interrupted. The fixtures (tests/programs/py_trap_*.py) mark
each line that makes a syscall with ``# syscall: NAME TAG``; a call touches DIR/mark-TAG (or
is the exec), so a call and the line it must be credited to are found from the fixture alone.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from fidelity import PROGRAMS, build_program, renacer_argv
from pythons import INTERPRETERS, require

EXEC = PROGRAMS / "py_trap_exec.py"
TARGET = PROGRAMS / "py_trap_exec_target.py"
THREADS = PROGRAMS / "py_trap_threads.py"
EXITING = PROGRAMS / "py_trap_exit.py"
WORKERS = PROGRAMS / "py_trap_fork_workers.py"
SIGNALS = PROGRAMS / "py_trap_signal.py"
_MARK = re.compile(r"syscall:\s*(\w+)\s+(\w+)\s*(?:\*/)?$")
_SOURCE = re.compile(r"   \[(?P<file>[^\]]+):(?P<line>\d+) in (?P<fn>[^\]]+)\]$")
_PID = re.compile(r"^\[pid +\d+\] ")
_PATH = re.compile(r'"([^"]*)"')
_LOADED = re.compile(r"(\.so(\.\d+)*|/ld\.so\.cache)$")  # what the dynamic loader opens


@dataclass(frozen=True, slots=True)
class Call:
    """One syscall line of a trace: who made it, its first path, and the source it was credited to."""

    tid: int
    name: str
    path: str
    source: tuple[str, int, str] | None  # (file, line, function)
    text: str
    stack: tuple[str, ...] = ()  # the -k lines after it

    @property
    def restarted(self) -> bool:
        """Interrupted by a signal and made again by the kernel: the same call, on two lines."""
        return " ERESTART" in self.text


def _python(name: str) -> str:
    return require(INTERPRETERS[name])


def _marks(fixture: Path) -> dict[str, tuple[str, int]]:
    """TAG -> (syscall name, line) of every marked line."""
    marks = {}
    for n, text in enumerate(fixture.read_text().splitlines(), 1):
        found = _MARK.search(text)
        if found:
            marks[found.group(2)] = (found.group(1), n)
    return marks


def _line_of(fixture: Path, fragment: str) -> int:
    return next(n for n, t in enumerate(fixture.read_text().splitlines(), 1) if fragment in t)


def _qualified(version: str, qualname: str) -> str:
    """How a trace names a function: 3.10's code objects have no qualified name, only the last part."""
    return qualname.rpartition(".")[2] if version == "3.10" else qualname


def _calls(text: str, tid: int = 0) -> list[Call]:
    """The syscall lines of one trace text, with their -k lines ('<... resumed>' joins are not needed:
    per-task files and single-task runs never split a line)."""
    calls: list[Call] = []
    for line in text.splitlines():
        line = _PID.sub("", line)
        if line.startswith(" > ") and calls:
            last = calls[-1]
            calls[-1] = Call(last.tid, last.name, last.path, last.source, last.text, (*last.stack, line[3:]))
            continue
        head = re.match(r"^(\w+)\(", line)
        if not head:
            continue
        path = _PATH.search(line)
        found = _SOURCE.search(line)
        source = (found.group("file"), int(found.group("line")), found.group("fn")) if found else None
        calls.append(Call(tid, head.group(1), path.group(1) if path else "", source, line))
    return calls


def _summary(stderr: str) -> tuple[int, int, dict[str, int]]:
    """(calls counted, calls attributed, count per reason) of the closing 'renacer: source:' line."""
    line = next(t for t in reversed(stderr.splitlines()) if t.startswith("renacer: source: "))
    head, *rest = line.split("; ")
    found = re.fullmatch(r"renacer: source: ([\d.]+)% of (\d+) syscalls attributed", head)
    assert found, line
    total = int(found.group(2))
    reasons = {}
    for part in rest:
        count, _, why = part.partition(" ")
        if count.isdigit():
            reasons[why] = int(count)
    return total, round(float(found.group(1)) * total / 100), reasons


def _trace(tmp_path: Path, *args: str, per_task: bool = False, notices: str = "$^",
           env: dict[str, str] | None = None) -> tuple[list[Call], str]:
    """Run renacer; (every call, stderr). per_task: -f -ff -o, one file per task, calls tagged by tid;
    ``notices``: the renacer: lines expected besides the summary and 'attached'."""
    out = tmp_path / "trace"
    argv = [*renacer_argv(), *(["-f", "-ff", "-o", str(out)] if per_task else []), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    expected = re.compile(rf"renacer: (Process \d+ attached|source: |{notices})")
    own = [t for t in done.stderr.splitlines() if t.startswith("renacer: ") and not expected.match(t)]
    assert not own, own
    if not per_task:
        return _calls(done.stderr), done.stderr
    calls = []
    for file in sorted(tmp_path.glob("trace.*")):
        calls += _calls(file.read_text(), int(file.suffix[1:]))
    return calls, done.stderr


def _loader_calls(calls: list[Call]) -> list[Call]:
    """The dynamic loader's opens among a new image's first calls: before any of the standard library's."""
    first_stdlib = next((i for i, c in enumerate(calls) if "/lib/python3" in c.path), len(calls))
    return [c for c in calls[:first_stdlib] if _LOADED.search(c.path)]


def _marked(calls: list[Call], tag: str) -> list[Call]:
    return [c for c in calls if c.path.endswith(f"/mark-{tag}")]


# --- 1. exec: everything resets ----------------------------------------------------------


@pytest.mark.parametrize(("first", "then"), [("3.12", "3.10"), ("3.10", "3.13"), ("debian-3.11", "3.11")])
def test_exec_of_another_python_version_credits_the_new_script(first, then, tmp_path):
    old, new = _python(first), _python(then)
    calls, _ = _trace(tmp_path, "--source", "-e", "trace=newfstatat,openat,execve", "--",
                      old, str(EXEC), "exec", str(tmp_path), new, str(TARGET), str(tmp_path))
    mine, theirs = _marks(EXEC), _marks(TARGET)
    [before] = _marked(calls, "before")
    assert before.source == (str(EXEC), mine["before"][1], _qualified(first, "Launcher.exec"))
    execs = [i for i, c in enumerate(calls) if c.name == "execve"]
    assert len(execs) == 2, [calls[i] for i in execs]  # renacer's own start, then the program's
    assert calls[execs[1]].path == new
    assert calls[execs[1]].source == (str(EXEC), mine["exec"][1], _qualified(first, "Launcher.exec"))
    after = calls[execs[1] + 1:]
    # the new image's loader and start-up: no line at all, then only the new script's lines
    assert not any(c.source and c.source[0] == str(EXEC) for c in after), [c for c in after if c.source]
    loaded = _loader_calls(after)
    assert len(loaded) >= 3 and all(c.source is None for c in loaded), [c.text for c in loaded]
    [done] = _marked(after, "after")
    assert done.source == (str(TARGET), theirs["after"][1], _qualified(then, "Worker.run"))


@pytest.mark.parametrize(("parent", "child"),
                         [("3.12", "3.10"), ("debian-3.11", "3.13"), ("3.11", "debian-3.11")])
def test_a_forked_child_is_its_parent_until_it_execs(parent, child, tmp_path):
    old, new = _python(parent), _python(child)
    calls, _ = _trace(tmp_path, "--source", "-e", "trace=newfstatat,openat,execve", "--",
                      old, str(EXEC), "fork", str(tmp_path), new, str(TARGET), str(tmp_path), per_task=True)
    mine, theirs = _marks(EXEC), _marks(TARGET)
    fork = _qualified(parent, "Launcher.fork")
    [in_child], [in_parent] = _marked(calls, "child"), _marked(calls, "parent")
    assert in_child.tid != in_parent.tid
    assert in_child.source == (str(EXEC), mine["child"][1], fork)  # the parent's image, in the child
    assert in_parent.source == (str(EXEC), mine["parent"][1], fork)
    child_calls = [c for c in calls if c.tid == in_child.tid]
    at = next(i for i, c in enumerate(child_calls) if c.name == "execve")
    assert child_calls[at].path == new
    assert child_calls[at].source == (str(EXEC), mine["fork"][1], fork)
    after = child_calls[at + 1:]
    assert not any(c.source and c.source[0] == str(EXEC) for c in after), [c for c in after if c.source]
    loaded = _loader_calls(after)
    assert len(loaded) >= 3 and all(c.source is None for c in loaded), [c.text for c in loaded]
    [done] = _marked(after, "after")
    assert done.source == (str(TARGET), theirs["after"][1], _qualified(child, "Worker.run"))


def test_exec_of_a_native_program_gives_its_native_source(tmp_path):
    python = _python("3.12")
    program = build_program("trap_exec_target.c")
    calls, stderr = _trace(tmp_path, "--source", "-e", "trace=newfstatat,openat,execve", "--",
                           python, str(EXEC), "exec", str(tmp_path), str(program), str(tmp_path))
    [before] = _marked(calls, "before")
    assert before.source == (str(EXEC), _marks(EXEC)["before"][1], "Launcher.exec")
    at = max(i for i, c in enumerate(calls) if c.name == "execve")
    after = calls[at + 1:]
    assert after and not any(c.source and c.source[0].endswith(".py") for c in after), after
    [native] = _marked(after, "native")
    source = PROGRAMS / "trap_exec_target.c"
    assert native.source == (str(source), _marks(source)["native"][1], "main"), native
    assert "interpreter version" not in stderr and "native frames only" not in stderr


def test_exec_of_bin_true_has_no_python_frames(tmp_path):
    python = _python("3.13")
    calls, _ = _trace(tmp_path, "-k", "--", python, str(EXEC), "exec", str(tmp_path), "/bin/true",
                      notices=r"/usr/bin/true: no debug info and no symbols \(stripped\)$")
    at = max(i for i, c in enumerate(calls) if c.name == "execve")
    after = calls[at + 1:]
    assert len(after) > 5 and after[-1].name == "exit_group", after[-3:]
    python_frames = [f for c in after for f in c.stack if re.match(r"\S+:\d+ in ", f) or "Python" in f]
    assert not python_frames, python_frames
    native = [f for c in after for f in c.stack]
    assert any(f.startswith("/usr/lib/x86_64-linux-gnu/libc.so.6(") for f in native), after[-1]


# --- 2. 3.11's Thread.start(): two thread states, one native id ----------------------------


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_every_short_thread_and_every_start_is_credited(version, tmp_path):
    calls, _ = _trace(tmp_path, "--source", "-e", "trace=newfstatat,clone3,clone", "--",
                      _python(version), str(THREADS), str(tmp_path), "20", per_task=True)
    marks = _marks(THREADS)
    work = [c for c in calls if re.search(r"/mark-\d+$", c.path)]
    assert sorted(int(c.path.rsplit("-", 1)[1]) for c in work) == list(range(20))
    assert len({c.tid for c in work}) == 20
    assert all(c.source == (str(THREADS), marks["work"][1], "work") for c in work), \
        [c for c in work if c.source != (str(THREADS), marks["work"][1], "work")]
    [main] = _marked(calls, "main")
    # the parent's clone3 comes while the new thread's state (no frames yet) may carry its native id
    clones = [c for c in calls if c.name in ("clone3", "clone")]
    assert len([c for c in clones if not c.restarted]) == 20 and all(c.tid == main.tid for c in clones)
    assert all(c.source == (str(THREADS), marks["start"][1], "main") for c in clones), \
        [c for c in clones if c.source != (str(THREADS), marks["start"][1], "main")]
    assert main.source == (str(THREADS), marks["main"][1], "main")


# --- 3. an exiting thread, the interpreter's exit and the loader: no Python frame -------------


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_calls_after_python_frames_are_gone_have_none(version, tmp_path):
    calls, stderr = _trace(tmp_path, "-k", "--source", "-e", "trace=getppid,madvise,exit,exit_group", "--",
                           _python(version), str(EXITING), per_task=True)
    marks = _marks(EXITING)
    ours = [c for c in calls if c.name == "getppid"]
    assert sorted(c.source[1] for c in ours if c.source) == sorted((marks["thread"][1], marks["main"][1]))
    thread = next(c.tid for c in ours if c.source and c.source[2] == "work")
    # glibc frees the thread's stack and ends it after its start routine returned; exit_group
    # comes after the interpreter finished: none of them has a Python frame, nor a line
    frameless = [c for c in calls if c.name != "getppid"]
    assert [c.name for c in frameless if c.tid == thread][-1] == "exit"
    assert any(c.name == "exit_group" for c in frameless)
    assert all(c.source is None and not c.stack for c in frameless), frameless
    total, attributed, reasons = _summary(stderr)
    assert (total, attributed) == (len(calls), 2)
    assert reasons == {"no Python frame (interpreter start-up or exit)": len(frameless)}, stderr[-500:]


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_the_loaders_calls_carry_no_python_line(version, tmp_path):
    calls, stderr = _trace(tmp_path, "--source", "-e", "trace=openat", "--",
                           _python(version), "-S", str(EXITING))
    loaded = _loader_calls(calls)
    assert len(loaded) >= 3 and any("libc.so" in c.path for c in loaded), [c.path for c in calls]
    assert all(c.source is None for c in loaded), [c for c in loaded if c.source]
    _, _, reasons = _summary(stderr)
    without = reasons.get("no Python frame (interpreter start-up or exit)", 0) + reasons.get(
        "in runtime start-up, no user frame", 0)
    assert without >= len(loaded), stderr[-500:]
    if version == "debian-3.11":  # the runtime is in the executable: a Python process from the first call
        assert reasons.get("no Python frame (interpreter start-up or exit)", 0) >= len(loaded), stderr[-500:]


@pytest.mark.parametrize("version", list(INTERPRETERS))
@pytest.mark.parametrize("traced", ["openat,mmap", "openat"])  # the mmaps of libpython traced or not
def test_start_up_calls_before_any_python_frame_carry_no_line(version, traced, tmp_path):
    env = {**os.environ, "LC_ALL": "C.UTF-8"}  # glibc tries its locale archive first: a call from Py_Main
    calls, _ = _trace(tmp_path, "--source", "-e", f"trace={traced}", "--",
                      _python(version), "-S", str(EXITING), env=env)
    first_script = next(i for i, c in enumerate(calls) if c.path == str(EXITING))
    start_up = calls[:first_script + 1]  # up to the interpreter's own open of the script
    assert any(c.path.endswith("/locale-archive") for c in start_up), [c.path for c in start_up]
    assert all(c.source is None for c in start_up), [c.text for c in start_up if c.source]


# --- 4. multiprocessing's forked workers ----------------------------------------------------


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_forked_workers_are_credited_in_each_child(version, tmp_path):
    calls, _ = _trace(tmp_path, "--source", "-e", "trace=newfstatat,clone,clone3", "--",
                      _python(version), str(WORKERS), str(tmp_path), "3", per_task=True)
    marks = _marks(WORKERS)
    work = [c for c in calls if re.search(r"/mark-\d$", c.path)]
    assert sorted(c.path[-1] for c in work) == ["0", "1", "2"]
    forks = [c for c in calls if c.name in ("clone", "clone3")]  # a fork SIGCHLD interrupts is made again
    assert len([c for c in forks if not c.restarted]) == 3 and len({c.tid for c in forks}) == 1
    assert len({c.tid for c in work} | {forks[0].tid}) == 4  # three children, none the parent
    assert all(c.source == (str(WORKERS), marks["work"][1], "work") for c in work), work
    assert all(c.source == (str(WORKERS), marks["start"][1], "main") for c in forks), forks


# --- 5. a signal handler runs above the frame it interrupted ----------------------------------


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_a_signal_handler_is_credited_above_the_frame_it_interrupted(version, tmp_path):
    calls, _ = _trace(tmp_path, "-k", "-e", "trace=newfstatat", "--",
                      _python(version), str(SIGNALS), str(tmp_path))
    marks = _marks(SIGNALS)
    module = SIGNALS.read_text().splitlines().index("main()") + 1
    for tag, handler in (("alarm", "on_alarm"), ("usr1", "on_usr1")):
        [call] = _marked(calls, tag)
        ours = [f for f in call.stack if f.startswith(f"{SIGNALS}:")]
        assert ours == [f"{SIGNALS}:{marks[tag][1]} in {handler}  <- source (exact)",
                        f"{SIGNALS}:{_line_of(SIGNALS, f'# interrupted: {tag}')} in main",
                        f"{SIGNALS}:{module} in <module>"], call.stack
        assert call.stack[0].endswith(" in exists"), call.stack  # os.path.exists, above the handler
