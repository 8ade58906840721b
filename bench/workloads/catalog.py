"""The suite's workloads and tracer configurations, as data (bench/suite.py runs every pair).

A workload is a command (its C sources built here, cached by hash); a configuration turns a
workload's argv and an output path into the argv that runs it under one tracer, and names the strace
configuration it is compared with.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RENACER = (sys.executable, "-m", "renacer")


@dataclass(frozen=True, slots=True)
class Workload:
    """One program the suite traces; `timed`: it writes its own loop time to $RENACER_BENCH_TIME."""

    key: str
    title: str
    argv: tuple[str, ...]
    timed: bool


@dataclass(frozen=True, slots=True)
class Config:
    """One way of running a workload: natively, or under one tracer with some options."""

    name: str
    wrap: Callable[[list[str], str], list[str]]  # (workload argv, trace output path) -> argv
    peer: str  # the strace configuration doing the same job
    tool: str  # native, strace, perf or renacer
    summary: bool = False  # writes a -c table to the output path

    def argv(self, workload: list[str], out: str) -> list[str]:
        """The command line of this configuration on this workload, its output going to `out`."""
        return self.wrap(workload, out)


def build(source: Path, *flags: str) -> Path:
    """Compile a C source of this folder with gcc -O2 into a cache keyed by its hash (and timing.h's)."""
    digest = hashlib.sha256(source.read_bytes() + (HERE / "timing.h").read_bytes()
                            + " ".join(flags).encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "renacer-bench" / digest / source.stem
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-Wall", f"-I{HERE}", "-o", str(out), str(source), *flags],
                       check=True)
    return out


def workloads(quick: bool, scratch: Path) -> list[Workload]:
    """Every workload, small ones under `quick`; `scratch` is a directory for their files."""
    target = scratch / "target"
    target.write_bytes(b"renacer bench\n")
    sizes = {"write": 2000, "openstat": 300, "threads": 200, "forkexec": 3, "pyimports": 5} if quick else \
        {"write": 200_000, "openstat": 20_000, "threads": 2500, "forkexec": 50, "pyimports": 0}
    find_root = "/usr/bin" if quick else "/usr"
    return [
        Workload("write", f"write loop: {sizes['write']} write(2) calls",
                 (str(build(HERE / "writeloop.c")), str(sizes["write"])), True),
        Workload("openstat", f"open/stat/close loop: {sizes['openstat']} rounds of stat, openat, close",
                 (str(build(HERE / "openstat.c")), str(sizes["openstat"]), str(target)), True),
        Workload("forkexec", f"fork/exec shell script: {sizes['forkexec']} rounds of 2 fork+exec",
                 ("/bin/sh", str(HERE / "forkexec.sh"), str(sizes["forkexec"])), False),
        Workload("find", f"find {find_root} > /dev/null", ("find", find_root), False),
        Workload("pyimports", f"Python importing {sizes['pyimports'] or 82} stdlib modules",
                 (sys.executable, str(HERE / "pyimports.py"), str(sizes["pyimports"])), True),
        Workload("threads", f"4 pthreads x {sizes['threads']} x (write + getppid)" if not quick else
                 f"2 pthreads x {sizes['threads']} x (write + getppid)",
                 (str(build(HERE / "threads.c", "-pthread")), str(sizes["threads"]), "2" if quick else "4"),
                 True),
    ]


def configs() -> list[Config]:
    """Every configuration, in the order each round runs them (perf's only where perf is installed)."""
    strace = shutil.which("strace") or "strace"
    out: list[Config] = [
        Config("native", lambda w, o: w, "strace", "native"),
        Config("strace", lambda w, o: [strace, "-f", "-o", o, *w], "strace", "strace"),
        Config("strace -c", lambda w, o: [strace, "-f", "-c", "-o", o, *w], "strace -c", "strace", True),
        Config("strace -e trace=openat", lambda w, o: [strace, "-f", "-e", "trace=openat", "-o", o, *w],
               "strace -e trace=openat", "strace"),
        Config("strace --seccomp-bpf -e trace=openat",
               lambda w, o: [strace, "-f", "--seccomp-bpf", "-e", "trace=openat", "-o", o, *w],
               "strace --seccomp-bpf -e trace=openat", "strace"),
    ]
    perf = shutil.which("perf")
    if perf:
        out += [
            Config("perf trace", lambda w, o: [perf, "trace", "-o", o, "--", *w], "strace", "perf"),
            Config("perf trace -s", lambda w, o: [perf, "trace", "-s", "-o", o, "--", *w], "strace -c",
                   "perf"),
        ]
    out += [
        Config("renacer", lambda w, o: [*RENACER, "-f", "-o", o, "--", *w], "strace", "renacer"),
        Config("renacer -c", lambda w, o: [*RENACER, "-f", "-c", "-o", o, "--", *w], "strace -c", "renacer",
               True),
        Config("renacer -e trace=openat (seccomp)",
               lambda w, o: [*RENACER, "-f", "--seccomp-bpf", "-e", "trace=openat", "-o", o, "--", *w],
               "strace --seccomp-bpf -e trace=openat", "renacer"),
        Config("renacer --backend ebpf -c",
               lambda w, o: [*RENACER, "--backend", "ebpf", "-f", "-c", "-o", o, "--", *w], "strace -c",
               "renacer", True),
        Config("renacer --backend ebpf",
               lambda w, o: [*RENACER, "--backend", "ebpf", "-f", "-o", o, "--", *w], "strace", "renacer"),
        Config("renacer --no-colocate",
               lambda w, o: [*RENACER, "--no-colocate", "-f", "-o", o, "--", *w], "strace", "renacer"),
    ]
    return out
