"""Fidelity harness: run strace and renacer on the same command and compare their text.

Used by the tests (``tests/test_fidelity.py``) and by ``bench/fidelity.py``. It also
holds what both need to run real programs: the fixture compiler and a subprocess runner
that can never hang.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent / "programs"
TIMEOUT = float(os.environ.get("RENACER_TEST_TIMEOUT", "60"))  # the emulated aarch64 machine sets more
C_FLAGS = ("-O1", "-g", "-pthread", "-Wall")
RUST_FLAGS = ("-g", "-C", "opt-level=1")


# --- running processes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Completed:
    """What a finished command left: argv, status, stdout and stderr text."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(
    argv: Sequence[str],
    *,
    timeout: float = TIMEOUT,
    cwd: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> Completed:
    """Run argv in its own process group; on timeout kill the group and raise TimeoutExpired."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise
    return Completed(tuple(argv), proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def spawn(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Start argv in its own process group (stdout/stderr piped) for a test to steer."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(list(argv), start_new_session=True, **kwargs)


def reap(proc: subprocess.Popen, timeout: float = TIMEOUT) -> tuple[str, str]:
    """Wait for a spawned process; kill its group if it outlives timeout. Returns (stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        raise
    return (out or b"").decode(errors="replace"), (err or b"").decode(errors="replace")


def renacer_argv() -> list[str]:
    """The command that runs renacer from this interpreter.

    RENACER_TEST_TRACER (e.g. ``strace``) swaps in another tracer, to check the tests themselves.
    """
    override = os.environ.get("RENACER_TEST_TRACER")
    return shlex.split(override) if override else [sys.executable, "-m", "renacer"]


def own_messages(text: str) -> list[str]:
    """stderr lines; when the tests run against strace itself, its 'strace:' reads as 'renacer:'."""
    lines = text.splitlines()
    if os.environ.get("RENACER_TEST_TRACER"):
        lines = [re.sub(r"^strace: ", "renacer: ", x) for x in lines if not x.startswith("Try 'strace")]
    return lines


# --- building fixture programs ---------------------------------------------------------


def build_cache_root() -> Path:
    """Where compiled fixtures live across runs, keyed by source hash."""
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "renacer-test-build" if base else Path(tempfile.gettempdir()) / "renacer-test-build"


# Resolved once, at import: tests that point XDG_CACHE_HOME at a private table cache still share builds.
BUILD_ROOT = build_cache_root()
_COMPILERS = {".c": ("gcc", C_FLAGS), ".cpp": ("g++", ("-O1", "-g")), ".rs": ("rustc", RUST_FLAGS)}


def build_program(name: str, flags: Sequence[str] | None = None, compiler: str | None = None) -> Path:
    """Compile tests/programs/<name> once per (source, compiler, flags); return the binary.

    The compiler follows the suffix (.c gcc, .cpp g++, .rs rustc) unless given; ``flags``
    replace the default ones (C_FLAGS, RUST_FLAGS).
    """
    source = PROGRAMS / name
    if source.suffix not in _COMPILERS:
        raise ValueError(f"no compiler for {name}")
    default_compiler, default_flags = _COMPILERS[source.suffix]
    compiler = compiler or default_compiler
    flags = tuple(default_flags if flags is None else flags)
    # the source's path is in the key too: its debug info names it, and tests compare those names
    key = source.read_bytes() + " ".join((str(source), compiler, *flags)).encode()
    digest = hashlib.sha256(key).hexdigest()[:16]
    out_dir = BUILD_ROOT / digest
    binary = out_dir / source.stem
    if binary.exists():
        return binary
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{source.stem}.{os.getpid()}"
    edition = ["--edition", "2021"] if compiler == "rustc" else []
    done = run([compiler, *flags, *edition, "-o", str(tmp), str(source)], timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"building {name} failed:\n{done.stderr}")
    os.replace(tmp, binary)  # atomic: concurrent sessions never see half a binary
    return binary


def build_id(binary: Path) -> str:
    """The GNU build-id readelf reports for ``binary`` ('' when it has none)."""
    notes = run(["readelf", "-n", str(binary)]).stdout
    match = re.search(r"Build ID: ([0-9a-f]+)", notes)
    return match.group(1) if match else ""


def uleb(n: int) -> bytes:
    """``n`` as DWARF's unsigned LEB128, for hand-assembled debug sections."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def sleb(n: int) -> bytes:
    """``n`` as DWARF's signed LEB128."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        done = (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


# --- normalization ---------------------------------------------------------------------

_PREFIX = re.compile(r"^(\d+) +")  # -o FILE with -f: 'PID  line'
_PID_TAG = re.compile(r"\[pid +(\d+)\] ")
_TIMESTAMP = re.compile(r"^ *(?:\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+) +")
_DURATION = re.compile(r" <\d+\.\d+>$")
_HEX = re.compile(r"0x[0-9a-f]+")
_INODE = re.compile(r"\b(pipe|socket|anon_inode|net):\[\d+\]")
_TMPFILE = re.compile(r"/#\d+>\(deleted\)")  # -y: an O_TMPFILE file is named by its inode
_VARYING_FIELDS = re.compile(
    r"\b(st_ino|st_atime|st_mtime|st_ctime|st_atime_nsec|st_mtime_nsec|st_ctime_nsec|"
    r"stx_ino|tv_sec|tv_nsec|stx_atime|stx_btime|stx_ctime|stx_mtime|"
    r"si_utime|si_stime|uptime|freeram|sharedram|bufferram|freeswap|freehigh|procs|"
    r"f_bfree|f_bavail|f_ffree|d_ino)=[^,}]+"
)
_TIME_COMMENT = re.compile(r"/\* \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d{4} \*/")  # -v
_LOADS = re.compile(r"\bloads=\[[^\]]*\]")
# Ports the kernel picks (bind to 0, a client's connect) come from the ephemeral range.
_PORT = re.compile(r"\b(sin6?_port=htons)\((\d+)\)")
_ENDPOINT_PORT = re.compile(r"(\d+\.\d+\.\d+\.\d+|\])(:)(\d+)")  # -yy: 127.0.0.1:40000, [::1]:40000
# -yy: socket inodes in endpoints, 'UNIX-STREAM:[1234->1235,"/s"]', 'TCP:[1236]'
_ENDPOINT_INODE = re.compile(r"(\b[A-Z][A-Za-z0-9-]*:\[)(\d+)(?:->(\d+))?(?=[],])")


def _ephemeral(m: re.Match) -> str:
    if int(m.group(m.lastindex or 0)) < 32768:
        return m.group(0)
    return f"{m.group(1)}(EPHEMERAL)" if m.lastindex == 2 else f"{m.group(1)}:EPHEMERAL"


def _endpoint_inodes(m: re.Match) -> str:
    return m.group(1) + "INODE" + ("->INODE" if m.group(3) else "")

# ASLR'd addresses printed as text (e.g. /proc/self/maps read back): 8-16 hex digits, one a letter.
_TEXT_ADDR = re.compile(
    r"(?<![0-9a-f])(?=[0-9]*[a-f])[0-9a-f]{8,16}(?![0-9a-zA-Z])"
    r'|(?<=[0-9a-f]-)[0-9a-f]{1,15}(?="\.\.\.)'  # an address cut short by -s
)
# strace pads ' = ' to a column; after rewriting pids and pointers the padding is meaningless.
_ALIGN = re.compile(r"\) += (?=[^\"]*$)")
_GETRANDOM = re.compile(r'\bgetrandom\("(?:[^"\\]|\\.)*"(\.\.\.)?')
_PID_RETURNING = re.compile(
    r"\b(clone|clone3|fork|vfork|wait4|waitid|getpid|gettid|getppid|getpgrp|getsid|set_tid_address)"
    r"\b.*\) += (\d+)"
)
_RESUMED_PID_RETURN = re.compile(r"<\.\.\. (clone|clone3|fork|vfork|wait4|waitid) resumed>.*\) += (\d+)")
_PID_MENTIONS = (
    re.compile(r"\bsi_pid=(\d+)"),
    re.compile(r"\bparent_tid=\[(\d+)\]"),
    re.compile(r"\bsuperseded by execve in pid (\d+)"),
    re.compile(r"\bProcess (\d+) (?:attached|detached)"),
    re.compile(r"\b(?:kill|tkill|tgkill|wait4|waitid|ptrace|prlimit64)\((?:P_PID, )?(\d+)"),
    re.compile(r"\btgkill\(\d+, (\d+)"),
)
# Lines that never mention a pid but are full of page-multiple sizes a pid may equal (16384).
_NO_PIDS = re.compile(r"^(?:TS )?(?:\[[^]]*\] )?(?:mmap|munmap|mprotect|mremap|madvise|brk|pkey_mprotect)\(")
_UNFINISHED = " <unfinished ...>"
_RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>")
_NAME = re.compile(r"^(?:<\.\.\. )?([a-z_][a-z0-9_]*)(\(| resumed>)")


def _strip_prefix(line: str) -> tuple[str | None, str]:
    """Split a line into (pid or None, rest), accepting both '-o -f' and '[pid N]' forms."""
    m = _PREFIX.match(line)
    if m:
        return m.group(1), line[m.end() :]
    m = _PID_TAG.match(line)
    if m:
        return m.group(1), line[m.end() :]
    return None, line


def _collect_pids(lines: Sequence[str]) -> list[str]:
    """Every pid the trace mentions, in a stable order: prefixes and pid-returning calls first."""
    order: dict[str, None] = {}
    for line in lines:
        pid, body = _strip_prefix(line)
        if pid is not None:
            order.setdefault(pid, None)
        for pattern in (_PID_RETURNING, _RESUMED_PID_RETURN):
            m = pattern.search(body)
            if m:
                order.setdefault(m.group(2), None)
    for line in lines:
        for pattern in _PID_MENTIONS:
            for m in pattern.finditer(line):
                order.setdefault(m.group(1), None)
    return [pid for pid in order if int(pid) > 1]  # 0 and 1 are never a tracee here


# a struct member that holds a size or a count, never a pid (in a fresh machine's small pid
# numbers, a pid can equal st_size=258)
_SIZE_FIELD = re.compile(r"\b(?:st|stx|f|tv|rlim|ru|sem|msg|shm|ss|sa)_\w+=$")


def _pid_or_field(m: re.Match, pids: dict[str, str]) -> str:
    return m.group(0) if _SIZE_FIELD.search(m.string[max(0, m.start() - 32):m.start()]) else pids[m.group(1)]


def normalize(lines: Sequence[str]) -> list[str]:
    """Rewrite what legitimately differs between two runs; keep everything else verbatim."""
    pids = {pid: f"P{i}" for i, pid in enumerate(_collect_pids(lines), 1)}
    # Not inside a number, a dotted version, or strace's product notation (8192*1024).
    alternatives = "|".join(map(re.escape, pids))
    pid_token = re.compile(r"(?<![\w.*<])(" + alternatives + r")(?![\w.*])") if pids else None
    out = []
    for line in lines:
        pid, body = _strip_prefix(line)
        body = _TIMESTAMP.sub("TS ", body)
        body = _DURATION.sub(" <DUR>", body)
        body = body.replace("strace: ", "renacer: ")
        body = _GETRANDOM.sub(r'getrandom("RANDOM"\1', body)
        body = _HEX.sub("0xADDR", body)
        body = _INODE.sub(r"\1:[INODE]", body)
        body = _TMPFILE.sub("/#INODE>(deleted)", body)
        body = _VARYING_FIELDS.sub(r"\1=N", body)
        body = _LOADS.sub("loads=[N]", body)
        body = _TIME_COMMENT.sub("/* TIME */", body)
        body = _PORT.sub(_ephemeral, body)
        body = _ENDPOINT_PORT.sub(_ephemeral, body)
        body = _ENDPOINT_INODE.sub(_endpoint_inodes, body)
        body = _TEXT_ADDR.sub("ADDR", body)
        if pid_token is not None and not _NO_PIDS.match(body):
            body = pid_token.sub(lambda m: _pid_or_field(m, pids), body)
        body = _ALIGN.sub(") = ", body)
        out.append(f"{pids[pid]} {body}" if pid is not None else body)
    return out


def merge_resumed(lines: Sequence[str]) -> list[str]:
    """Join each '<unfinished ...>' line with its '<... resumed>' line, as if never interleaved."""
    out: list[str] = []
    pending: dict[tuple[str | None, str], int] = {}  # (pid, syscall) -> index in out
    for line in lines:
        pid, body = _strip_prefix_normalized(line)
        resumed = _RESUMED.match(body)
        if resumed and (pid, resumed.group(1)) in pending:
            index = pending.pop((pid, resumed.group(1)))
            out[index] = out[index][: -len(_UNFINISHED)] + body[resumed.end() :]
            continue
        if body.endswith(_UNFINISHED):
            name = _NAME.match(body)
            if name:
                pending[(pid, name.group(1))] = len(out)
        out.append(line)
    return out


def _strip_prefix_normalized(line: str) -> tuple[str | None, str]:
    m = re.match(r"^(P\d+) ", line)
    return (m.group(1), line[m.end() :]) if m else (None, line)


def group_by_process(lines: Sequence[str]) -> list[str]:
    """Stable-sort normalized lines by process (P1 first), keeping each process's order."""
    def key(line: str) -> int:
        pid, _ = _strip_prefix_normalized(line)
        return int(pid[1:]) if pid else 0

    return sorted(lines, key=key)


def syscall_names(lines: Sequence[str], *, skip: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Per process, the syscall names in order (resumed halves not counted twice)."""
    names: dict[str, list[str]] = {}
    for line in lines:
        pid, body = _strip_prefix_normalized(line)
        body = _TIMESTAMP.sub("", body.removeprefix("TS "))
        m = _NAME.match(body)
        if m and m.group(2) == "(" and m.group(1) not in skip:
            names.setdefault(pid or "P1", []).append(m.group(1))
    return names


# --- comparing -------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    """How closely renacer's text matched strace's for one command."""

    argv: tuple[str, ...]
    strace_lines: int
    renacer_lines: int
    identical_share: float  # matched normalized lines / the longer trace
    names_identical: bool  # per-process syscall-name sequences equal
    strace_status: int
    renacer_status: int
    diff: list[str] = field(default_factory=list)
    renacer_stderr: str = ""
    strace_text: list[str] = field(default_factory=list)
    renacer_text: list[str] = field(default_factory=list)

    @property
    def status_identical(self) -> bool:
        return self.strace_status == self.renacer_status

    def __str__(self) -> str:
        head = (
            f"{' '.join(self.argv)}: strace {self.strace_lines} lines (exit {self.strace_status}), "
            f"renacer {self.renacer_lines} lines (exit {self.renacer_status}), "
            f"{self.identical_share:.1%} identical, names identical: {self.names_identical}"
        )
        parts = [head, *self.diff]
        if self.renacer_stderr.strip():
            parts += ["renacer stderr:", self.renacer_stderr.rstrip()[-3000:]]
        return "\n".join(parts)


def prepare(lines: Sequence[str], follow: bool) -> list[str]:
    """Normalize raw trace lines; under -f also merge split calls and group by process."""
    # a getrandom split by -f only shows its random bytes once its two halves are joined
    normalized = [_GETRANDOM.sub(r'getrandom("RANDOM"\1', line) for line in merge_resumed(normalize(lines))]
    return group_by_process(normalized) if follow else normalized


def compare_texts(
    argv: Sequence[str],
    strace_raw: Sequence[str],
    renacer_raw: Sequence[str],
    *,
    follow: bool = False,
    strace_status: int = 0,
    renacer_status: int = 0,
    renacer_stderr: str = "",
    diff_lines: int = 40,
) -> Report:
    """Compare two raw traces of the same command."""
    left, right = prepare(strace_raw, follow), prepare(renacer_raw, follow)
    # Under -f, when a SIGCHLD lands (and so where rt_sigreturn runs) is down to scheduling.
    skip = frozenset({"rt_sigreturn"}) if follow else frozenset()
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    longest = max(len(left), len(right))
    share = matched / longest if longest else 1.0
    diff = list(difflib.unified_diff(left, right, "strace", "renacer", n=1, lineterm=""))
    return Report(
        argv=tuple(argv),
        strace_lines=len(strace_raw),
        renacer_lines=len(renacer_raw),
        identical_share=share,
        names_identical=syscall_names(left, skip=skip) == syscall_names(right, skip=skip),
        strace_status=strace_status,
        renacer_status=renacer_status,
        diff=diff[:diff_lines],
        renacer_stderr=renacer_stderr,
        strace_text=left,
        renacer_text=right,
    )


def trace_command(
    tracer: Sequence[str],
    argv: Sequence[str],
    *,
    out: Path,
    follow: bool,
    extra: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None,
    timeout: float,
) -> tuple[list[str], Completed]:
    """Run one tracer with -o out on argv; return the output file's lines and the run."""
    cmd = [*tracer, "-o", str(out), *(["-f"] if follow else []), *extra, "--", *argv]
    done = run(cmd, cwd=cwd, env=env, timeout=timeout)
    lines = out.read_text(errors="replace").splitlines() if out.exists() else []
    return lines, done


def _fresh(cwd: Path, setup: Callable[[Path], None] | None) -> None:
    if setup is None:
        return
    shutil.rmtree(cwd)
    cwd.mkdir()
    setup(cwd)


def compare(
    argv: Sequence[str],
    *,
    follow: bool = False,
    extra: Sequence[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    strace: Sequence[str] | None = None,
    renacer: Sequence[str] | None = None,
    no_aslr: bool = True,
    setup: Callable[[Path], None] | None = None,
) -> Report:
    """Trace argv with strace and with renacer (same cwd, same env) and compare the texts.

    ``setup(cwd)`` prepares the working directory afresh before each of the two runs (it is
    emptied first), so a command that changes files (cp, tar) finds the same state twice.

    ``strace``/``renacer`` override the two tracer commands (e.g. strace against itself).
    With ``no_aslr`` both tracers run under ``setarch -R``, which their tracees inherit, so
    allocators that depend on address alignment (pymalloc arenas) behave the same twice.
    """
    strace_cmd = list(strace) if strace is not None else [shutil.which("strace") or "strace"]
    renacer_cmd = list(renacer) if renacer is not None else renacer_argv()
    if no_aslr and shutil.which("setarch"):
        strace_cmd = ["setarch", platform.machine(), "-R", *strace_cmd]
        renacer_cmd = ["setarch", platform.machine(), "-R", *renacer_cmd]
    env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix="renacer-fidelity-") as tmp:
        cwd, outputs = Path(tmp) / "cwd", Path(tmp) / "out"
        cwd.mkdir()
        outputs.mkdir()
        common = dict(follow=follow, extra=extra, cwd=cwd, env=env, timeout=timeout)
        _fresh(cwd, setup)
        s_lines, s_done = trace_command(strace_cmd, argv, out=outputs / "strace.txt", **common)
        _fresh(cwd, setup)
        r_lines, r_done = trace_command(renacer_cmd, argv, out=outputs / "renacer.txt", **common)
    return compare_texts(
        argv,
        s_lines,
        r_lines,
        follow=follow,
        strace_status=s_done.returncode,
        renacer_status=r_done.returncode,
        renacer_stderr=r_done.stderr,
    )
