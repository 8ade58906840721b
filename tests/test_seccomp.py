"""seccomp-bpf filtering: the compiled filter decides as set membership, and traces are the same with it."""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from fidelity import compare, prepare, renacer_argv, run
from hypothesis import given, settings
from hypothesis import strategies as st

from renacer.arch import by_name, current
from renacer.backends.ptrace import PtraceTracer
from renacer.backends.ptrace.seccomp import (
    MAX_INSNS,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_TRACE,
    SeccompFilter,
    compile_filter,
    plan,
)
from renacer.config import Config
from renacer.events import SyscallEvent
from renacer.filter import parse_trace_set

ARCH = current()
STRACE = shutil.which("strace") or "strace"
X32 = 0x40000000  # __X32_SYSCALL_BIT, asm/unistd.h
OTHER_ARCH = 0x40000003  # AUDIT_ARCH_I386: EM_386 | __AUDIT_ARCH_LE (linux/audit.h)

# ---- a classic-BPF interpreter for what the compiler emits (codes from linux/bpf_common.h) ------------


def run_filter(flt: SeccompFilter, nr: int, arch: int) -> tuple[int, int]:
    """(the action returned, conditional jumps taken) for struct seccomp_data {nr, arch, ...}."""
    data = (nr & 0xFFFFFFFF).to_bytes(4, "little") + arch.to_bytes(4, "little") + bytes(56)
    acc, pc, compares = 0, 0, 0
    program = flt.program
    while True:
        code, jt, jf, k = program[pc]
        cls = code & 0x07
        if cls == 0x00:  # BPF_LD
            assert code & 0x18 == 0x00 and code & 0xE0 == 0x20, hex(code)  # BPF_W | BPF_ABS
            acc = int.from_bytes(data[k:k + 4], "little")
            pc += 1
        elif cls == 0x05:  # BPF_JMP
            op = code & 0xF0
            assert code & 0x08 == 0  # BPF_K
            if op == 0x00:  # BPF_JA
                pc += 1 + k
                continue
            compares += 1
            taken = {0x10: acc == k, 0x20: acc > k, 0x30: acc >= k, 0x40: bool(acc & k)}[op]
            assert jt <= 255 and jf <= 255
            pc += 1 + (jt if taken else jf)
        elif cls == 0x06:  # BPF_RET
            assert code & 0x18 == 0x00  # BPF_K
            return k, compares
        else:
            raise AssertionError(f"unexpected instruction {code:#x}")


X86_64 = by_name("x86_64")  # the compiler's cases below include x32's numbers


def assert_decides_membership(numbers: frozenset[int]) -> SeccompFilter:
    flt = compile_filter(numbers, X86_64)
    assert len(flt.program) <= MAX_INSNS
    bounds = 2 * len(flt.ranges)
    deepest = 0
    for nr in range(1024):
        action, compares = run_filter(flt, nr, X86_64.audit_arch)
        assert action == (SECCOMP_RET_TRACE if nr in numbers else SECCOMP_RET_ALLOW), nr
        deepest = max(deepest, compares)
    # arch check and x32 check, then a balanced tree over the range boundaries
    assert deepest <= 2 + math.ceil(math.log2(bounds + 1)), (deepest, bounds)
    for nr in (X32, X32 + 1, X32 + 1023, 0xFFFFFFFF):
        assert run_filter(flt, nr, X86_64.audit_arch)[0] == SECCOMP_RET_TRACE  # x32, or not a number
    for nr in (0, 1, 59, 1023):
        assert run_filter(flt, nr, OTHER_ARCH)[0] == SECCOMP_RET_TRACE  # shows rather than hides
    return flt


@settings(max_examples=150, deadline=None)
@given(st.frozensets(st.integers(0, 1023)))
def test_filter_traces_exactly_the_set(numbers: frozenset[int]) -> None:
    assert_decides_membership(numbers)


@settings(max_examples=40, deadline=None)
@given(st.frozensets(st.integers(0, 1023), min_size=250, max_size=350))
def test_filter_with_many_ranges_stays_balanced(numbers: frozenset[int]) -> None:
    assert_decides_membership(numbers)


@pytest.mark.parametrize("numbers", [
    frozenset({257}), frozenset({0}), frozenset({1023}), frozenset(),
    frozenset(range(1024)) - {1}, frozenset(range(1024)) - {600},
    frozenset(range(0, 1024, 3)),  # ~340 single-number ranges: subtrees too far for 8-bit jumps
    frozenset(range(0, 1024, 2)),  # the most ranges there can be: 512
])
def test_filter_edge_sets(numbers: frozenset[int]) -> None:
    flt = assert_decides_membership(numbers)
    if len(flt.ranges) > 200:
        assert any(code == 0x05 for code, *_ in flt.program), "expected BPF_JA trampolines"


def test_filter_for_an_arch_without_a_second_personality() -> None:
    arch = by_name("aarch64")
    flt = compile_filter({63, 64, 221}, arch)
    assert [run_filter(flt, nr, arch.audit_arch)[0] == SECCOMP_RET_TRACE for nr in (62, 63, 64, 65, 221)] == [
        False, True, True, False, True]
    assert run_filter(flt, 63, by_name("x86_64").audit_arch)[0] == SECCOMP_RET_TRACE  # another arch: shown


def test_plan_is_used_only_where_it_is_correct() -> None:
    some = parse_trace_set("openat", ARCH)
    assert plan(Config(command=("true",), trace=some), ARCH) is not None  # root: CAP_SYS_ADMIN
    assert plan(Config(command=("true",), trace=some, seccomp_bpf=False), ARCH) is None
    assert plan(Config(command=("true",), trace=None), ARCH) is None  # everything traced
    assert plan(Config(command=("true",), trace=frozenset(ARCH.syscalls)), ARCH) is None
    assert plan(Config(pids=(1,), trace=some, seccomp_bpf=True), ARCH) is None  # -p: no filter possible
    flt = plan(Config(command=("true",), trace=some), ARCH).filter
    assert flt.numbers == some | {ARCH.numbers[n] for n in ("execve", "execveat", "seccomp", "prctl")}
    stacked = plan(Config(command=("true",), trace=some, stack_trace=True), ARCH, ("mmap", "mprotect")).filter
    assert {ARCH.numbers["mmap"], ARCH.numbers["mprotect"]} <= stacked.numbers


# ---- real traces ---------------------------------------------------------------------------------------


def _traced(cfg: Config) -> tuple[list[tuple[str, int | None]], PtraceTracer]:
    tracer = PtraceTracer(cfg)
    calls = [(e.name, e.retval) for e in tracer.events() if isinstance(e, SyscallEvent)]
    return calls, tracer


def test_filter_spares_untraced_stops(build) -> None:
    prog = str(build("seccomp_mix.c"))
    trace = parse_trace_set("openat", ARCH)
    with_filter, filtered = _traced(Config(command=(prog, "2000"), trace=trace, seccomp_bpf=True))
    without, plain = _traced(Config(command=(prog, "2000"), trace=trace, seccomp_bpf=False))
    auto, automatic = _traced(Config(command=(prog, "2000"), trace=trace))
    assert with_filter == without == auto
    assert with_filter[-1][0] == "openat" and with_filter[-1][1] >= 0
    assert plain.stops > 8000  # an entry and an exit stop for each of 4000 getppid
    assert filtered.stops < 50 and automatic.stops < 50  # start, execve, the openat calls of ld.so and ours


def _same_with_and_without(argv: list[str], follow: bool, extra: list[str]) -> None:
    ours = renacer_argv()
    report = compare(argv, follow=follow, extra=extra, strace=[*ours, "--no-seccomp-bpf"],
                     renacer=[*ours, "--seccomp-bpf"])
    assert report.renacer_status == report.strace_status
    assert report.strace_text == report.renacer_text, str(report)
    assert report.strace_lines > 1


@pytest.mark.parametrize(("program", "follow", "expr"), [
    ("fork.c", True, "%process,write"),
    ("fork.c", False, "%process,write"),  # children unfollowed: they still run under the filter
    # clone too: aarch64's glibc starts threads with it, and a traced creation numbers the threads
    # in one order (by first line alone, which thread prints first is the scheduler's choice)
    ("threads.c", True, "write,read,exit,clone,clone3"),
    ("threads.c", False, "write,clone3,exit_group"),
    ("signals.c", True, "write,rt_sigreturn,wait4,kill,tgkill"),
    ("signals.c", False, "!rt_sigprocmask,mmap"),
    ("exec_thread.c", False, "%process,write"),  # an unfollowed thread execs
    ("exec_thread.c", True, "%process,write"),
    ("killed_child.c", True, "write,wait4,kill"),
])
def test_trace_is_the_same_with_and_without_filter(build, program: str, follow: bool, expr: str) -> None:
    _same_with_and_without([str(build(program))], follow, ["-e", f"trace={expr}"])


def _summary_counts(text: str) -> dict[str, tuple[str, str]]:
    """syscall -> (calls, errors) from a -c table."""
    rows = {}
    for line in text.splitlines():
        cells = line.split()
        if len(cells) >= 5 and re.fullmatch(r"\d+\.\d+", cells[0]) and cells[-1] != "total":
            errors = cells[4] if len(cells) == 6 else ""
            rows[cells[-1]] = (cells[3], errors)
    return rows


def test_summary_counts_are_the_same_with_and_without_filter(build, tmp_path: Path) -> None:
    prog = str(build("fork.c"))
    tables = []
    for flag in ("--seccomp-bpf", "--no-seccomp-bpf"):
        out = tmp_path / f"c{flag}.txt"
        argv = [*renacer_argv(), "-f", "-c", flag, "-e", "trace=%process,write,close", "-o", str(out), prog]
        done = run(argv)
        assert done.returncode == 0, done.stderr
        tables.append(_summary_counts(out.read_text()))
    assert tables[0] == tables[1]
    assert {"wait4", "execve", "clone", "vfork"} & set(ARCH.numbers) <= set(tables[0])  # aarch64: no vfork


@pytest.mark.needs_strace
@pytest.mark.parametrize(("program", "follow", "expr"), [
    ("fork.c", True, "%process"),
    ("files.c", True, "%file"),
    ("signals.c", True, "write,wait4"),
])
def test_lines_agree_with_strace_seccomp_bpf(build, program: str, follow: bool, expr: str) -> None:
    report = compare([str(build(program))], follow=follow, extra=["-e", f"trace={expr}"],
                     strace=[STRACE, "--seccomp-bpf"], renacer=[*renacer_argv(), "--seccomp-bpf"])
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)


def test_program_with_its_own_filter_still_shows_denied_calls(build, tmp_path: Path) -> None:
    # SECCOMP_RET_ERRNO outranks TRACE: the tracer goes back to entry stops once the program installs one
    prog = str(build("seccomp_own.c"))
    texts = []
    for flag in ("--seccomp-bpf", "--no-seccomp-bpf"):
        out = tmp_path / "own.txt"
        run([*renacer_argv(), flag, "-e", "trace=getppid,getpid", "-o", str(out), prog])
        texts.append(prepare(out.read_text().splitlines(), False))
    assert texts[0] == texts[1]
    assert texts[0][0] == "getppid() = -1 EPERM (Operation not permitted)"


def test_restart_syscall_names_the_untraced_call_it_resumes(build, tmp_path: Path) -> None:
    prog = str(build("seccomp_restart.c"))
    texts = []
    for flag in ("--seccomp-bpf", "--no-seccomp-bpf"):
        out = tmp_path / "restart.txt"
        argv = [*renacer_argv(), flag, "-e", "trace=restart_syscall,write", "-o", str(out), prog]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        try:
            pid = int(proc.stdout.readline())  # type: ignore[union-attr]
            time.sleep(0.1)  # into its 600 ms sleep
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.05)
            os.kill(pid, signal.SIGCONT)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()
            proc.wait()
        texts.append([line for line in prepare(out.read_text().splitlines(), False) if "restart" in line])
    assert texts[0] == texts[1] == ["restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0"]


def _status_lines(out: str) -> list[str]:
    return [line.replace("\t", " ") for line in out.splitlines() if re.match(r"(NoNewPrivs|Seccomp):", line)]


def test_filter_needs_cap_sys_admin_unless_asked_for(tmp_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        if os.environ.get("CI") == "true":
            pytest.fail("needs root and setpriv")
        pytest.skip("needs root and setpriv to drop CAP_SYS_ADMIN")
    show = ["--", "grep", "-E", "^(NoNewPrivs|Seccomp):", "/proc/self/status"]
    ours = [*renacer_argv(), "-o", str(tmp_path / "t.txt"), "-e", "trace=openat"]
    drop = [setpriv, "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]
    assert _status_lines(run([*ours, *show]).stdout) == ["NoNewPrivs: 0", "Seccomp: 2"]  # root: on
    assert _status_lines(run([*drop, *ours, *show]).stdout) == ["NoNewPrivs: 0", "Seccomp: 0"]  # auto: off
    # asked for without the capability: NO_NEW_PRIVS first, as the kernel requires
    asked = run([*drop, *ours, "--seccomp-bpf", *show])
    assert _status_lines(asked.stdout) == ["NoNewPrivs: 1", "Seccomp: 2"]
    assert _status_lines(run([*ours, "--no-seccomp-bpf", *show]).stdout) == ["NoNewPrivs: 0", "Seccomp: 0"]


def test_attach_ignores_seccomp_bpf(build) -> None:
    proc = subprocess.Popen([str(build("sleeper.c"))], stdout=subprocess.PIPE, text=True)
    try:
        sleeps = parse_trace_set("clock_nanosleep,nanosleep", ARCH)
        tracer = PtraceTracer(Config(pids=(proc.pid,), trace=sleeps, seccomp_bpf=True))
        previous = signal.signal(signal.SIGALRM, lambda signo, _f: tracer.request_stop(signo))
        signal.setitimer(signal.ITIMER_REAL, 0.4)
        try:
            events = list(tracer.events())
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        assert tracer._seccomp is None
        assert any(isinstance(e, SyscallEvent) and "sleep" in e.name for e in events)
        with open(f"/proc/{proc.pid}/status") as f:
            assert "Seccomp:\t0" in f.read()
    finally:
        proc.kill()
        proc.wait()


def test_command_leaving_a_filtered_child_says_renacer_waits_for_it() -> None:
    # without -f the background sleep inherits the filter: renacer must stay its tracer, and says so
    done = run([*renacer_argv(), "-e", "trace=openat", "--", "sh", "-c", "sleep 0.3 & echo hi"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hi\n"
    lines = done.stderr.splitlines()
    assert lines[-2] == "+++ exited with 0 +++"
    assert lines[-1].startswith("renacer: the command has exited; waiting for the process it left running")
    assert "sleep" not in done.stderr  # the child itself stays unseen, as without the filter
    argv = [*renacer_argv(), "--no-seccomp-bpf", "-e", "trace=openat", "--", "sh", "-c", "sleep 0.3 & :"]
    quiet = run(argv)
    assert "waiting" not in quiet.stderr
