#!/usr/bin/env python3
"""Generate ``src/renacer/arch/<arch>_classes.py``: strace's trace classes, observed from strace itself.

Usage: python tools/gen_trace_classes.py [--arch x86_64] [--strace strace]

How the facts are observed (nothing is typed from memory):

1. A small C probe is compiled with gcc. It installs a seccomp filter that makes every system
   call except exit_group fail with ENOSYS, then calls every syscall number of the arch (all
   arguments -1), then exit_group(0). The kernel reports the ptrace syscall-entry stop *before*
   seccomp runs, so strace sees and prints every call, while none of them takes effect: exit,
   fork, clone, execve, reboot, kill, pause, rt_sigsuspend... are all observed safely. No call
   has to be skipped, so the table has no exceptions.
2. The probe runs under ``strace -f -qq -e trace=SPELLING`` once per class spelling; every name
   strace prints is a member. A spelling strace rejects is left out of the table.
3. A bare spelling (``file``) is a class only if strace shows more than a syscall of that name
   would (``signal`` is also an i386 syscall name).
4. Names of strace's other personalities on this arch (i386 and x32 names from the kernel
   headers) that ``strace -e trace=NAME`` accepts are recorded too, so renacer accepts the same
   command lines (they select no x86_64 call).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CLASS_WORDS = (
    "file", "process", "net", "network", "signal", "ipc", "desc", "memory", "creds", "clock",
    "stat", "lstat", "fstat", "%stat", "statfs", "fstatfs", "%statfs", "pure",
)
OTHER_HEADERS = {
    "x86_64": (
        "/usr/include/x86_64-linux-gnu/asm/unistd_32.h",
        "/usr/include/x86_64-linux-gnu/asm/unistd_x32.h",
    ),
}
DEFINE = re.compile(r"^#define\s+__NR_(\w+)\s", re.M)
PRINTED = re.compile(r"^(?:\d+ +)?(?:\[pid +\d+\] )?(\w+)\(", re.M)  # -f -o: lines start with a pid

PROBE = r"""
#include <errno.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const long numbers[] = { NUMBERS };

int main(void)
{
    /* every call but exit_group fails with ENOSYS after strace has seen its entry */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    struct sock_fprog prog = { sizeof code / sizeof code[0], code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return 2;
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (numbers[i] != __NR_exit_group)
            syscall(numbers[i], -1L, -1L, -1L, -1L, -1L, -1L);
    syscall(__NR_exit_group, 0);
    return 0;
}
"""


def build_probe(numbers: list[int], workdir: Path) -> Path:
    """Compile the probe that calls every number in ``numbers`` under a deny-all seccomp filter."""
    source = workdir / "probe.c"
    source.write_text(PROBE.replace("NUMBERS", ", ".join(map(str, numbers))))
    binary = workdir / "probe"
    subprocess.run(["gcc", "-O1", "-o", str(binary), str(source)], check=True)
    return binary


def observe(strace: str, spelling: str, argv: list[str], workdir: Path) -> frozenset[str] | None:
    """Names strace prints for ``-e trace=spelling`` while running argv; None if strace rejects it."""
    out = workdir / "trace.txt"
    done = subprocess.run([strace, "-f", "-qq", "-o", str(out), "-e", f"trace={spelling}", *argv],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "invalid system call" in done.stderr:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"strace -e trace={spelling} failed: {done.stderr}")
    return frozenset(PRINTED.findall(out.read_text()))


def other_personality_names(strace: str, arch: str, own: set[str], workdir: Path) -> frozenset[str]:
    """Names from the other personalities' headers that strace accepts on this machine."""
    candidates: set[str] = set()
    for header in OTHER_HEADERS.get(arch, ()):
        if Path(header).is_file():
            candidates.update(DEFINE.findall(Path(header).read_text()))
    return frozenset(n for n in sorted(candidates - own) if observe(strace, n, ["true"], workdir) is not None)


def _names_block(names: frozenset[str], indent: str) -> list[str]:
    lines, line = [], indent
    for name in sorted(names):
        piece = f'"{name}",'
        if len(line) + len(piece) + 1 > 100:
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    if line.strip():
        lines.append(line.rstrip())
    return lines


def render(arch: str, strace_version: str, classes: dict[str, frozenset[str]],
           other: frozenset[str]) -> str:
    """The generated module's text."""
    lines = [
        f'"""strace\'s trace classes for {arch}. GENERATED by tools/gen_trace_classes.py; do not edit.',
        "",
        f"Observed by running a probe that calls every syscall under {strace_version} -e trace=%CLASS.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "# spelling as written after -e trace= (with or without %) -> syscall names strace selects",
        "CLASSES: dict[str, frozenset[str]] = {",
    ]
    for spelling, names in sorted(classes.items()):
        lines.append(f'    "{spelling}": frozenset({{')
        lines += _names_block(names, " " * 8)
        lines.append("    }),")
    lines.append("}")
    lines += ["", "# names strace accepts from its other personalities; they select no call of this arch",
              "OTHER_PERSONALITY_NAMES: frozenset[str] = frozenset({"]
    lines += _names_block(other, " " * 4)
    lines.append("})")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--strace", default="strace")
    args = ap.parse_args()
    from renacer.arch.x86_64_table import SYSCALLS  # the generated number table of the arch

    own = set(SYSCALLS.values())
    version = subprocess.run([args.strace, "-V"], capture_output=True, text=True).stdout.split("\n")[0]
    version = version.replace(" -- version", "")
    classes: dict[str, frozenset[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        probe = build_probe(sorted(SYSCALLS), workdir)
        bare = [w for w in CLASS_WORDS if not w.startswith("%") and w not in own]  # 'stat' is a syscall
        for spelling in [f"%{w}" for w in CLASS_WORDS] + bare:
            names = observe(args.strace, spelling, [str(probe)], workdir)
            if names is None or (not spelling.startswith("%") and names <= {spelling}):
                continue
            unknown = names - own
            if unknown:
                print(f"gen_trace_classes: {spelling}: names not in the table: {sorted(unknown)}",
                      file=sys.stderr)
            classes[spelling] = names & own
        other = other_personality_names(args.strace, args.arch, own, workdir)
    out = ROOT / "src/renacer/arch" / f"{args.arch}_classes.py"
    out.write_text(render(args.arch, version, classes, other))
    print(f"wrote {out} ({len(classes)} class spellings, {len(other)} other-personality names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
