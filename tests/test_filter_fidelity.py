"""-e trace= with classes, negation and regexes selects what strace selects, on real programs."""

from __future__ import annotations

import re
import shutil
import subprocess
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


# Calls every syscall number once under a seccomp filter that fails them all with ENOSYS (the
# tracer sees each entry before seccomp runs), then exit_group: what a filter shows is its set.
PROBE = r"""
#include <errno.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    struct sock_fprog prog = { sizeof code / sizeof code[0], code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return 2;
    static const long numbers[] = { NUMBERS };  /* only known ones: a gap number may SIGILL */
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (numbers[i] != __NR_exit_group)
            syscall(numbers[i], -1L, -1L, -1L, -1L, -1L, -1L);
    syscall(__NR_exit_group, 0);
}
"""
PRINTED = re.compile(r"^(\w+)\(", re.M)


@pytest.fixture(scope="module")
def every_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A program that makes every syscall of the arch, all failing harmlessly."""
    workdir = tmp_path_factory.mktemp("every-call")
    source = workdir / "every_call.c"
    source.write_text(PROBE.replace("NUMBERS", ", ".join(map(str, sorted(ARCH.syscalls)))))
    subprocess.run(["gcc", "-O1", "-o", str(workdir / "every_call"), str(source)], check=True)
    return workdir / "every_call"


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
