"""renacer's text against strace's on the same commands, with pointers and pids normalized."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from fidelity import compare, compare_texts, merge_resumed, normalize

pytestmark = pytest.mark.needs_strace

THRESHOLD = 0.90
ENV = dict(os.environ, PYTHONHASHSEED="0")  # one hash seed, so python3 allocates the same twice

COMMANDS = [
    pytest.param(["ls", "-la", "/"], False, id="ls"),
    pytest.param(["cat", "/etc/hostname"], False, id="cat"),
    pytest.param(["sh", "-c", "echo hi | wc -c"], True, id="sh-pipe"),
    pytest.param(["python3", "-c", "pass"], False, id="python3"),
]

PROGRAMS = [
    pytest.param("files.c", [], False, id="files"),
    pytest.param("memory.c", [], False, id="memory"),
    pytest.param("fork.c", [], True, id="fork"),
    pytest.param("threads.c", [], True, id="threads"),
    pytest.param("exec_thread.c", [], True, id="exec_thread"),
    pytest.param("signals.c", [], True, id="signals"),
    pytest.param("killed_child.c", [], True, id="killed_child"),
    pytest.param("crash.c", ["segv"], False, id="crash-segv"),
    pytest.param("crash.c", ["abrt"], False, id="crash-abrt"),
    pytest.param("exit3.c", [], False, id="exit3"),
    pytest.param("strings.c", [], False, id="strings"),
    pytest.param("getrandom.c", [], False, id="getrandom"),
    pytest.param("hello.rs", [], False, id="rust-hello"),
    pytest.param("net.c", [], False, id="net"),
    pytest.param("fdops.c", [], False, id="fdops"),
    pytest.param("misc.c", [], False, id="misc"),
]


def _resolve(argv: list[str]) -> list[str]:
    # 'python3' on PATH may be a shell shim (pyenv); trace the interpreter itself.
    return [sys.executable, *argv[1:]] if argv[0] == "python3" else argv


@pytest.mark.parametrize(("argv", "follow"), COMMANDS)
def test_common_commands_match_strace(argv: list[str], follow: bool) -> None:
    report = compare(_resolve(argv), follow=follow, env=ENV)
    assert report.names_identical, str(report)
    assert report.identical_share >= THRESHOLD, str(report)
    assert report.status_identical, str(report)


@pytest.mark.parametrize(("source", "args", "follow"), PROGRAMS)
def test_fixture_programs_match_strace(build, source: str, args: list[str], follow: bool) -> None:
    report = compare([str(build(source)), *args], follow=follow, env=ENV)
    assert report.names_identical, str(report)
    assert report.identical_share >= THRESHOLD, str(report)
    assert report.status_identical, str(report)


# --- the harness itself ----------------------------------------------------------------


def test_harness_finds_strace_identical_to_itself(build) -> None:
    report = compare([str(build("fork.c"))], follow=True, renacer=[shutil.which("strace")])
    assert report.identical_share == 1.0, str(report)
    assert report.names_identical


def test_normalize_maps_pids_in_order_of_appearance() -> None:
    lines = [
        "4100  clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f00aa) = 4101",
        "4101  getpid()                          = 4101",
        "4100  wait4(4101, NULL, 0, NULL)         = 4101",
        "4100  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4101, si_uid=0} ---",
        '4100  write(1, "4100", 4)              = 4',
    ]
    assert normalize(lines) == [
        "P1 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0xADDR) = P2",
        "P2 getpid() = P2",
        "P1 wait4(P2, NULL, 0, NULL) = P2",
        "P1 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=P2, si_uid=0} ---",
        'P1 write(1, "P1", 4) = 4',
    ]


def test_normalize_leaves_products_alone_when_a_pid_equals_a_factor() -> None:
    # A fresh CI container hands out pid 1024; strace writes 8 MiB as 8192*1024.
    lines = [
        "1024  prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
        "1024  getpid() = 1024",
    ]
    assert normalize(lines) == [
        "P1 prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
        "P1 getpid() = P1",
    ]


def test_normalize_rewrites_random_bytes_inodes_and_timestamps() -> None:
    lines = [
        '10:11:12.123456 getrandom("\\x01\\xfe", 2, GRND_NONBLOCK) = 2 <0.000010>',
        "1700000000.000001 pipe2([3, 4], 0) = 0",
        "     0.000042 readlink(\"/proc/self/fd/3\", \"pipe:[12345]\", 64) = 12",
    ]
    assert normalize(lines) == [
        'TS getrandom("RANDOM", 2, GRND_NONBLOCK) = 2 <DUR>',
        "TS pipe2([3, 4], 0) = 0",
        'TS readlink("/proc/self/fd/3", "pipe:[INODE]", 64) = 12',
    ]


def test_merge_joins_unfinished_with_resumed() -> None:
    lines = [
        "P1 wait4(-1,  <unfinished ...>",
        "P2 exit_group(0) = ?",
        "P1 <... wait4 resumed>NULL, 0, NULL) = P2",
    ]
    assert merge_resumed(lines) == ["P1 wait4(-1, NULL, 0, NULL) = P2", "P2 exit_group(0) = ?"]


def test_report_counts_matched_lines_over_longer_trace() -> None:
    strace_lines = ["a(1) = 0", "b(2) = 0", "c() = 0"]
    renacer_lines = ["a(1) = 0", "b(3) = 0", "c() = 0", "d() = 0"]
    report = compare_texts(["x"], strace_lines, renacer_lines)
    assert report.identical_share == pytest.approx(2 / 4)
    assert not report.names_identical


def test_fd_paths_match_strace_on_sockets_and_pipes(build) -> None:
    # -y on every descriptor, those the kernel returns in arrays (socketpair, pipe2) included.
    for source in ("net.c", "fdops.c"):
        report = compare([str(build(source))], extra=["-y"], env=ENV)
        assert report.identical_share == 1.0, str(report)


def test_socket_endpoints_match_strace_under_yy(build) -> None:
    report = compare([str(build("netpair.c"))], follow=True, extra=["-yy"], env=ENV)
    assert report.names_identical, str(report)
    # strace itself sometimes shows a just-connected Unix socket without its peer, sometimes
    # with it (what sock_diag answered first is what it keeps): a line or two may differ.
    assert report.identical_share >= 0.95, str(report)
    tcp = "TCP:[127.0.0.1:EPHEMERAL->127.0.0.1:EPHEMERAL]"
    assert any(tcp in line for line in report.renacer_text), str(report)
