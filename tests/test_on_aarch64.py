"""renacer on a real aarch64 kernel, checked against the aarch64 strace beside it.

These run where ``uname -m`` is aarch64: in the emulated machine of ``tools/aarch64/guest.py``
(whose test script sets RENACER_AARCH64_GUEST=1, so there they fail rather than skip) or on an
Arm host. Each compares with what strace prints for the same program on the same kernel, or
checks what only aarch64 has: the generic syscall table, CLONE_BACKWARDS, the generic struct
stat, the link register in leaf frames.
"""

from __future__ import annotations

import difflib
import os
import platform
import re
import subprocess

import pytest
from fidelity import PROGRAMS, normalize

pytestmark = pytest.mark.skipif(
    platform.machine() != "aarch64" and not os.environ.get("RENACER_AARCH64_GUEST"),
    reason="aarch64 only (python tools/aarch64/guest.py test runs these in an emulated machine)")


def _strace(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["strace", *argv], capture_output=True, text=True, timeout=120)


def test_this_is_an_aarch64_kernel_and_renacer_uses_its_table() -> None:
    from renacer.arch import current

    assert platform.machine() == "aarch64"
    arch = current()
    assert arch.name == "aarch64" and arch.numbers["openat"] == 56 and "open" not in arch.numbers


def test_a_plain_command_prints_as_strace_prints_it(renacer, tmp_path) -> None:
    target = tmp_path / "note.txt"
    target.write_text("hello from aarch64\n")
    argv = ["cat", str(target)]
    mine = renacer("--", *argv)
    theirs = _strace("--", *argv)
    assert mine.returncode == theirs.returncode == 0, mine.stderr
    assert mine.stdout == theirs.stdout == "hello from aarch64\n"
    # ld.so maps a library's code into an aligned reservation and unmaps the reservation's head and
    # tail: none, one or two munmaps by where ASLR put it, different from run to run; they go
    def calls(text: str) -> list[str]:
        out: list[str] = []
        trimming = False
        for line in normalize(text.splitlines()):
            if trimming and line.startswith("munmap("):
                continue
            trimming = line.startswith("mmap(") and "PROT_EXEC" in line and "MAP_FIXED" in line
            out.append(line)
        return out

    ours, strace = calls(mine.stderr), calls(theirs.stderr)
    assert ours == strace, "\n".join(difflib.unified_diff(strace, ours, "strace", "renacer", lineterm=""))


def test_stat_family_uses_the_generic_struct_stat(renacer, tmp_path) -> None:
    target = tmp_path / "sized.bin"
    target.write_bytes(b"x" * 12345)
    argv = ["-v", "-e", "trace=newfstatat,fstat,statx", "--", "stat", "-L", str(target)]
    mine, theirs = renacer(*argv), _strace(*argv)
    assert mine.returncode == theirs.returncode == 0, mine.stderr
    assert normalize(mine.stderr.splitlines()) == normalize(theirs.stderr.splitlines())
    assert "st_size=12345" in mine.stderr or "stx_size=12345" in mine.stderr, mine.stderr


def test_fork_under_f_names_clone_arguments_as_strace(build, renacer) -> None:
    program = str(build("fork.c"))
    argv = ["-f", "-qq", "-e", "trace=clone,clone3", "--", program]
    mine, theirs = renacer(*argv), _strace(*argv)
    assert mine.returncode == theirs.returncode, mine.stderr

    def clones(text: str) -> list[str]:
        # CLONE_BACKWARDS: child_tidptr is the fifth argument here, tls the fourth
        return [re.sub(r"0x[0-9a-f]+", "ADDR", re.sub(r"= \d+$", "= PID", re.sub(r"^\[pid +\d+\] ", "", ln)))
                for ln in text.splitlines() if ln.lstrip("[pid0123456789] ").startswith("clone")]

    assert clones(mine.stderr) and clones(mine.stderr) == clones(theirs.stderr), mine.stderr


def test_names_aarch64_lacks_are_accepted_or_refused_as_strace_does(renacer) -> None:
    for name in ("open", "stat", "fork", "arch_prctl"):
        mine = renacer("-e", f"trace={name}", "--", "true")
        theirs = _strace("-e", f"trace={name}", "--", "true")
        assert (mine.returncode == 0) == (theirs.returncode == 0), (name, mine.stderr, theirs.stderr)
        if theirs.returncode == 0:  # another personality's name: accepted, and no aarch64 call shown
            assert normalize(mine.stderr.splitlines()) == normalize(theirs.stderr.splitlines()), mine.stderr
            assert "(" not in mine.stderr, mine.stderr
        else:
            assert mine.stderr.startswith("renacer: ") and len(mine.stderr.splitlines()) == 1, mine.stderr


def test_seccomp_filtered_trace_shows_only_the_chosen_calls(renacer, tmp_path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("x")
    argv = ["-f", "--seccomp-bpf", "-e", "trace=openat", "--", "sh", "-c", f"cat {target} > /dev/null"]
    mine, theirs = renacer(*argv), _strace(*argv)
    assert mine.returncode == theirs.returncode == 0, mine.stderr
    calls = {re.sub(r"^\[pid +\d+\] ", "", ln).split("(")[0] for ln in mine.stderr.splitlines() if "(" in ln}
    assert calls == {"openat"}, mine.stderr
    assert f'openat(AT_FDCWD, "{target}", O_RDONLY) = 3' in mine.stderr


def test_summary_counts_match_strace(build, renacer) -> None:
    program = str(build("summary_counts.c"))
    mine, theirs = renacer("-c", "--", program), _strace("-c", "--", program)

    def counts(text: str) -> dict[str, int]:
        rows = (ln.split() for ln in text.splitlines())
        # munmap left out: how often ld.so trims a mapping depends on where ASLR put it
        return {r[-1]: int(r[3]) for r in rows
                if len(r) >= 5 and r[3].isdigit() and r[-1] not in ("total", "munmap")}

    assert counts(mine.stderr) and counts(mine.stderr) == counts(theirs.stderr), mine.stderr


def test_source_and_stacks_name_the_c_lines(build, renacer, tmp_path) -> None:
    data = tmp_path / "config.txt"
    data.write_text("name = renacer\n")
    program = "source_demo.c"
    marks = {m.group(1): i for i, text in enumerate((PROGRAMS / program).read_text().splitlines(), 1)
             if (m := re.search(r"syscall: (\w+)", text))}
    done = renacer("--source", "-k", "-e", "trace=openat,read,close", "--", build(program), data)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if str(data) in line)
    opened = lines[start]
    assert re.search(rf"\[\S*{program}:{marks['openat']} in load_config\]$", opened), done.stderr
    stack = []
    for line in lines[start + 1:]:
        if not line.startswith(" > "):
            break
        stack.append(line)
    assert any("load_config" in ln for ln in stack) and any(" main" in ln or "(main" in ln for ln in stack), \
        "\n".join(stack)
