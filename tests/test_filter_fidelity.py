"""-e trace= with classes, negation and regexes selects what strace selects, on real programs."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from fidelity import compare, own_messages, run

from renacer.arch import current
from renacer.errors import RenacerError
from renacer.filter import parse_trace_set

pytestmark = pytest.mark.needs_strace

ARCH = current()
STRACE = shutil.which("strace") or "strace"


@pytest.mark.parametrize(
    "expr",
    ["%file", "!%file", "/^(open|close)", "!close,openat", "%%stat,?nosuch"],
)
def test_filtered_trace_matches_strace(build, expr: str) -> None:
    report = compare([str(build("files.c"))], extra=["-e", f"trace={expr}"])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


def test_process_class_follows_forks_as_strace(build) -> None:
    report = compare([str(build("fork.c"))], follow=True, extra=["-e", "trace=%process"])
    assert report.names_identical, str(report)


def _class_generator():
    """tools/gen_trace_classes.py, whose probe program the class tests run too."""
    path = Path(__file__).resolve().parent.parent / "tools" / "gen_trace_classes.py"
    spec = importlib.util.spec_from_file_location("gen_trace_classes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PRINTED = re.compile(r"^(\w+)\(", re.M)


@pytest.fixture(scope="module")
def every_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A program that makes every syscall of the arch, all failing harmlessly."""
    # the generator's own probe: every call fails with ENOSYS under seccomp after strace saw it
    return _class_generator().build_probe(sorted(ARCH.syscalls), tmp_path_factory.mktemp("every-call"))


def strace_selects(expr: str, program: Path, tmp_path: Path) -> set[str]:
    out = tmp_path / "strace.txt"
    done = run([STRACE, "-qq", "-o", str(out), "-e", f"trace={expr}", str(program)])
    assert done.returncode == 0, done.stderr
    return set(PRINTED.findall(out.read_text()))


EXPRESSIONS = [
    "%file", "%process", "%net", "%signal", "%ipc", "%desc", "%memory", "%creds", "%clock", "%stat",
    "%lstat", "%fstat", "%%stat", "%statfs", "%fstatfs", "%%statfs", "%pure", "signal", "!%desc",
    "!close,openat", "/^(open|close)", "/[[:alpha:]]+at$", "?nosuch,%ipc", "!?nosuch", "!!close",
    "socketcall",
]


def test_every_class_and_form_selects_what_strace_selects(every_call: Path, tmp_path: Path) -> None:
    for expr in EXPRESSIONS:
        selected = parse_trace_set(expr, ARCH)
        numbers = range(max(ARCH.syscalls) + 1) if selected is None else selected
        ours = {ARCH.syscalls[n] for n in numbers if n in ARCH.syscalls}
        assert ours == strace_selects(expr, every_call, tmp_path), expr


@pytest.mark.parametrize(
    "expr", ["%file,!close", "/zzzz", "none,openat", ",", "9999"]
)
def test_bad_expressions_fail_with_strace_s_message(expr: str, renacer_cmd: list[str]) -> None:
    strace = run([STRACE, "-e", f"trace={expr}", "true"])
    ours = run([*renacer_cmd, "-e", f"trace={expr}", "true"])
    assert strace.returncode == ours.returncode == 1
    theirs = re.sub(r"^\S*strace: ", "renacer: ", strace.stderr.splitlines()[0])  # strace names argv[0]
    assert own_messages(ours.stderr) == [theirs]
    with pytest.raises(RenacerError):
        parse_trace_set(expr, ARCH)


def test_bad_regex_fails_before_the_command_runs(renacer_cmd: list[str], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    done = run([*renacer_cmd, "-e", "trace=/(", "--", "touch", str(marker)])
    assert done.returncode == 1 and not marker.exists()
    assert own_messages(done.stderr)[0].startswith("renacer: regcomp: (: ")
