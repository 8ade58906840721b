#!/usr/bin/env python3
"""Generate ``src/renacer/arch/<arch>_classes.py``: strace's trace classes, observed from strace itself.

Usage: python tools/gen_trace_classes.py [--arch ARCH] [--strace CMD] [--cc gcc] [--classes-from ARCH]

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
4. Names of strace's other personalities on this arch that ``strace -e trace=NAME`` accepts are
   recorded too, so renacer accepts the same command lines (they select no call of this arch).
   The candidates on x86_64 are the i386 and x32 names of the kernel headers; on aarch64 (whose
   other personality, 32-bit arm, has no header here) they are the identifiers in the strace
   binary, kept when strace matches them as a syscall name (``-e trace=/^(a|b|...)$``, tested in
   groups) and accepts them alone.

Steps 1-3 need ptrace; step 4 only needs strace to parse its options, so it also works under
qemu-user: ``--strace "qemu-aarch64-static -L ROOTFS ROOTFS/usr/bin/strace" --arch aarch64``.
With ``--classes-from x86_64`` the classes are not observed but copied from that arch's module,
restricted to this arch's names, and the module says it is provisional.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import re
import shlex
import shutil
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


def build_probe(numbers: list[int], workdir: Path, cc: str = "gcc") -> Path:
    """Compile the probe that calls every number in ``numbers`` under a deny-all seccomp filter."""
    source = workdir / "probe.c"
    source.write_text(PROBE.replace("NUMBERS", ", ".join(map(str, numbers))))
    binary = workdir / "probe"
    subprocess.run([*shlex.split(cc), "-O1", "-o", str(binary), str(source)], check=True)
    return binary


def observe(strace: list[str], spelling: str, argv: list[str], workdir: Path) -> frozenset[str] | None:
    """Names strace prints for ``-e trace=spelling`` while running argv; None if strace rejects it."""
    out = workdir / "trace.txt"
    done = subprocess.run([*strace, "-f", "-qq", "-o", str(out), "-e", f"trace={spelling}", *argv],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "invalid system call" in done.stderr:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"strace -e trace={spelling} failed: {done.stderr}")
    return frozenset(PRINTED.findall(out.read_text()))


def accepts(strace: list[str], spelling: str, workdir: Path) -> bool:
    """Whether strace accepts ``-e trace=spelling``; it parses it before it looks for the program."""
    done = subprocess.run([*strace, "-qq", "-o", str(workdir / "trace.txt"), "-e", f"trace={spelling}",
                           str(workdir / "absent")], capture_output=True, text=True, timeout=60)
    return "invalid system call" not in done.stderr


def binary_words(path: Path) -> set[str]:
    """Identifiers stored as C strings in a binary, with their tails (a linker shares "stat" with "lstat")."""
    words = set()
    for m in re.finditer(rb"[a-z0-9_]{2,}(?=\x00)", path.read_bytes()):
        run = m.group().decode()
        words.update(run[i:] for i in range(len(run) - 1) if not run[i].isdigit())
    return words


def syscall_names_among(strace: list[str], candidates: list[str], workdir: Path) -> set[str]:
    """The candidates strace knows as a syscall name in some personality (its regexes search all)."""
    found: set[str] = set()
    pending = [candidates[i:i + 64] for i in range(0, len(candidates), 64)]
    while pending:
        group = pending.pop()
        if not accepts(strace, "/^(" + "|".join(group) + ")$", workdir):
            continue  # no name of the group is known: dropped with one run
        if len(group) == 1:
            found.add(group[0])
        else:
            pending += [group[: len(group) // 2], group[len(group) // 2:]]
    return found


def other_personality_names(strace: list[str], arch: str, own: set[str], workdir: Path,
                            strace_binary: Path) -> frozenset[str]:
    """Names of strace's other personalities on ``arch`` that strace accepts alone."""
    candidates: set[str] = set()
    if arch in OTHER_HEADERS:
        for header in OTHER_HEADERS[arch]:
            if Path(header).is_file():
                candidates.update(DEFINE.findall(Path(header).read_text()))
    else:  # no header of the other personality: strace's own strings, kept if it knows them
        candidates = syscall_names_among(strace, sorted(binary_words(strace_binary) - own), workdir)
    return frozenset(n for n in sorted(candidates - own) if accepts(strace, n, workdir))


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
           other: frozenset[str], classes_from: str | None = None) -> str:
    """The generated module's text."""
    if classes_from is None:
        how = [f"Observed by running a probe that calls every syscall under {strace_version} "
               "-e trace=%CLASS."]
    else:
        how = [
            f"PROVISIONAL until regenerated on {arch}: CLASSES are {classes_from}'s observed classes",
            f"restricted to {arch}'s names (--classes-from {classes_from}); OTHER_PERSONALITY_NAMES",
            f"are observed with {strace_version} for {arch}.",
        ]
    lines = [
        f'"""strace\'s trace classes for {arch}. GENERATED by tools/gen_trace_classes.py; do not edit.',
        "",
        *how,
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


def observe_classes(strace: list[str], own: set[str], numbers: list[int], workdir: Path,
                    cc: str) -> dict[str, frozenset[str]]:
    """Each class spelling strace accepts -> the names it prints for the probe (steps 1-3)."""
    classes: dict[str, frozenset[str]] = {}
    probe = build_probe(numbers, workdir, cc)
    bare = [w for w in CLASS_WORDS if not w.startswith("%") and w not in own]  # 'stat' is a syscall
    for spelling in [f"%{w}" for w in CLASS_WORDS] + bare:
        names = observe(strace, spelling, [str(probe)], workdir)
        if names is None or (not spelling.startswith("%") and names <= {spelling}):
            continue
        unknown = names - own
        if unknown:
            print(f"gen_trace_classes: {spelling}: names not in the table: {sorted(unknown)}",
                  file=sys.stderr)
        classes[spelling] = names & own
    return classes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default=platform.machine())
    ap.add_argument("--strace", default="strace", help="strace command, maybe behind a prefix (qemu-user)")
    ap.add_argument("--strace-binary", help="the strace executable to read names from "
                    "(default: the last word of --strace)")
    ap.add_argument("--cc", default="gcc", help="C compiler for the probe")
    ap.add_argument("--classes-from", metavar="ARCH", help="copy ARCH's classes instead of observing")
    args = ap.parse_args()
    # the generated number table of the arch
    syscalls = importlib.import_module(f"renacer.arch.{args.arch}_table").SYSCALLS
    strace = shlex.split(args.strace)
    strace_binary = Path(args.strace_binary or shutil.which(strace[-1]) or strace[-1])
    own = set(syscalls.values())
    version = subprocess.run([*strace, "-V"], capture_output=True, text=True).stdout.split("\n")[0]
    version = version.replace(" -- version", "")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.classes_from:
            source = importlib.import_module(f"renacer.arch.{args.classes_from}_classes").CLASSES
            classes = {spelling: names & own for spelling, names in source.items()}
        else:
            classes = observe_classes(strace, own, sorted(syscalls), workdir, args.cc)
        other = other_personality_names(strace, args.arch, own, workdir, strace_binary)
    out = ROOT / "src/renacer/arch" / f"{args.arch}_classes.py"
    out.write_text(render(args.arch, version, classes, other, args.classes_from))
    print(f"wrote {out} ({len(classes)} class spellings, {len(other)} other-personality names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
