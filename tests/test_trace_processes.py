"""Tracing real programs: exit statuses, forks, threads, exec from a thread, deaths."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from fidelity import merge_resumed, normalize

EXIT_LINE = re.compile(r"^\+\+\+ exited with (\d+) \+\+\+$")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_trace_prints_execve_first_and_exit_line(renacer) -> None:
    done = renacer("--", "true")
    lines = done.stderr.splitlines()
    true = re.escape(shutil.which("true"))
    execve = rf'^execve\("{true}", \["true"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) += 0$'
    assert re.match(execve, lines[0]), lines[:1]
    assert lines[-1] == "+++ exited with 0 +++"
    assert done.returncode == 0


def test_python_m_renacer_runs_true(renacer_cmd, run_cmd) -> None:
    done = run_cmd([*renacer_cmd, "--", "true"])
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == "+++ exited with 0 +++"


def test_trace_goes_to_stderr_and_tracee_output_to_stdout(renacer, build) -> None:
    done = renacer("--", build("exit3.c"))
    assert done.stdout == "bye\n"
    assert 'write(1, "bye\\n", 4) = 4' in [re.sub(r"\s+= ", " = ", line) for line in done.stderr.splitlines()]


def test_exit_status_is_tracee_status(renacer, build) -> None:
    done = renacer("--", build("exit3.c"))
    assert done.returncode == 3
    assert done.stderr.splitlines()[-1] == "+++ exited with 3 +++"


@pytest.mark.needs_strace
@pytest.mark.parametrize("how", ["segv", "abrt", "usr1"])
def test_killed_by_signal_exit_status_matches_strace(renacer, strace, build, tmp_path, how) -> None:
    program = build("crash.c")
    theirs = strace("-o", tmp_path / "strace.txt", "--", program, how)
    ours = renacer("-o", tmp_path / "renacer.txt", "--", program, how)
    assert ours.returncode == theirs.returncode, ours.stderr
    assert _lines(tmp_path / "renacer.txt")[-1] == _lines(tmp_path / "strace.txt")[-1]
    assert "Traceback" not in ours.stderr


def test_follow_forks_prefixes_child_pid(renacer, build) -> None:
    done = renacer("-f", "--", build("fork.c"))
    lines = done.stderr.splitlines()
    exits = {}
    for line in lines:
        m = re.match(r"^\[pid +(\d+)\] \+\+\+ exited with (\d+) \+\+\+$", line)
        if m:
            exits[int(m.group(1))] = int(m.group(2))
            assert line.startswith(f"[pid {int(m.group(1)):5d}] "), line  # strace pads pids to 5
    assert sorted(exits.values()) == [0, 0, 2], lines  # the three children: fork, raw fork, vfork
    assert lines[-1] == "+++ exited with 0 +++"
    assert done.returncode == 0


def test_follow_forks_to_file_prefixes_every_line_with_pid(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-f", "-o", out, "--", build("fork.c"))
    assert done.returncode == 0, done.stderr
    lines = _lines(out)
    assert all(re.match(r"^\d+ +\S", line) for line in lines), lines[:5]
    pids = {int(line.split()[0]) for line in lines}
    assert len(pids) == 4  # the parent and its three children


def test_output_file_and_ff(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-ff", "-o", out, "--", build("fork.c"))
    assert done.returncode == 0, done.stderr
    files = sorted(tmp_path.glob("out.txt.*"))
    assert len(files) == 4, files
    assert not out.exists()
    parent = next(f for f in files if _lines(f)[0].startswith("execve("))
    parent_lines = _lines(parent)
    pid_returns = r"^(?:(?:clone|fork|vfork)\(|<\.\.\. (?:clone|fork|vfork) resumed>).*\) += (\d+)$"
    children = re.findall(pid_returns, parent.read_text(), re.M)
    assert {f"out.txt.{pid}" for pid in children} | {parent.name} == {f.name for f in files}
    assert parent_lines[-1] == "+++ exited with 0 +++"
    for f in files:
        assert not re.match(r"^\d+ ", _lines(f)[0]), "no pid prefix in per-process files"


def test_threads_exit_while_others_run(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-f", "-o", out, "--", build("threads.c"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["second", "first", "second after first", "main done"]
    lines = merge_resumed(normalize(_lines(out)))
    assert 'P2 write(1, "first\\n", 6) = 6' in lines
    assert 'P3 write(1, "second after first\\n", 19) = 19' in lines
    # The exit(0) entry stop holds the first thread until the tracer resumes it, and only then
    # does the kernel wake pthread_join; its '+++ exited' report may come later than that.
    first_exit = lines.index("P2 exit(0) = ?")
    assert lines.index('P3 write(1, "second after first\\n", 19) = 19') > first_exit
    assert lines.index("P2 +++ exited with 0 +++") > first_exit
    assert lines[-1] == "P1 +++ exited with 0 +++"


def test_exec_from_thread(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-f", "-o", out, "--", build("exec_thread.c"))
    assert done.returncode == 0, done.stderr
    lines = merge_resumed(normalize(_lines(out)))
    assert "P1 +++ superseded by execve in pid P2 +++" in lines, lines[-20:]
    after = lines[lines.index("P1 +++ superseded by execve in pid P2 +++") + 1 :]
    assert after[0] == "P1 <... execve resumed>) = 0", after[:3]
    assert after[-1] == "P1 +++ exited with 0 +++"
    assert "P2 " not in "\n".join(after)  # after the exec the thread goes by the leader's pid


def test_killed_mid_syscall_prints_unfinished(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-f", "-o", out, "--", build("killed_child.c"))
    assert done.returncode == 0, done.stderr
    lines = merge_resumed(normalize(_lines(out)))
    child = [line for line in lines if line.startswith("P2 ")]
    assert re.fullmatch(r"P2 read\(\d+,  <unfinished \.\.\.>\) = \?", child[-2]), child[-3:]
    assert child[-1] == "P2 +++ killed by SIGKILL +++"
    assert "P1 kill(P2, SIGKILL) = 0" in lines
    assert "P1 wait4(P2, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = P2" in lines


def test_signal_delivery_and_handler_return(renacer, build, tmp_path) -> None:
    out = tmp_path / "out.txt"
    done = renacer("-o", out, "--", build("signals.c"))
    assert done.returncode == 0, done.stderr
    lines = normalize(_lines(out))
    usr1 = lines.index("--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=P1, si_uid=0} ---")
    assert lines[usr1 + 1 : usr1 + 3] == ['write(1, "usr1\\n", 5) = 5', "rt_sigreturn({mask=[]}) = 0"]
    chld = next(i for i, x in enumerate(lines) if x.startswith("--- SIGCHLD {si_signo=SIGCHLD, "))
    assert lines[chld - 1] == "rt_sigprocmask(SIG_UNBLOCK, [CHLD], NULL, 8) = 0"
    assert lines[chld + 1 : chld + 3] == ['write(1, "chld\\n", 5) = 5', "rt_sigreturn({mask=[]}) = 0"]


@pytest.mark.needs_strace
def test_signals_ignored_by_renacers_parent_stay_ignored_in_the_command(renacer_cmd, run_cmd) -> None:
    # a shell's background job ignores SIGINT and SIGQUIT; strace's command inherits that, so must ours
    script = 'trap "" INT QUIT; exec "$@" -- grep SigIgn /proc/self/status'
    ours = run_cmd(["sh", "-c", script, "sh", *renacer_cmd, "-o", os.devnull])
    theirs = run_cmd(["sh", "-c", script, "sh", "strace", "-o", os.devnull])
    assert ours.stdout == theirs.stdout
    assert int(ours.stdout.split()[1], 16) & 0b110 == 0b110  # SIGINT (2) and SIGQUIT (3) ignored
