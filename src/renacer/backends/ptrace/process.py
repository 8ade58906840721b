"""Starting to trace: spawning the command stopped before its execve, or seizing running pids."""

from __future__ import annotations

import errno
import os
import signal

from ...config import Config
from ...errors import RenacerError
from . import libc
from .libc import ptrace
from .seccomp import SeccompPlan, install, prepare


def attach_options(follow: bool, spawned: bool) -> int:
    """PTRACE_O_* options: syscall stops marked, exec reported, children followed under -f."""
    opts = libc.PTRACE_O_TRACESYSGOOD | libc.PTRACE_O_TRACEEXEC
    if follow:
        opts |= libc.PTRACE_O_TRACEFORK | libc.PTRACE_O_TRACEVFORK | libc.PTRACE_O_TRACECLONE
    if spawned:
        opts |= libc.PTRACE_O_EXITKILL  # the command dies with renacer, never runs on untraced
    return opts


def find_program(name: str, path: str | None) -> str:
    """The file execve will run for ``name``, as strace finds it.

    A name with a slash only has to exist (execve itself reports EACCES or ENOEXEC, and the
    trace shows it); a bare name is looked up in PATH for an executable regular file.
    """
    if "/" in name:
        try:
            os.stat(name)
        except OSError as e:
            raise RenacerError(f"Can't stat '{name}': {e.strerror}") from None
        return name
    for folder in (path or os.defpath).split(os.pathsep):
        cand = os.path.join(folder or ".", name)
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise RenacerError(f"Can't stat '{name}': No such file or directory")


# The signals renacer was started with ignored, read before it installs its own handlers (SIGPIPE
# and SIGXFSZ are ignored by Python itself at start-up, so theirs cannot be known: default).
INHERITED_IGNORED = frozenset(sig for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
                              if signal.getsignal(sig) == signal.SIG_IGN)


def restore_signals() -> None:
    """In a forked child about to exec the command: the dispositions renacer itself was given.

    Python ignores SIGPIPE and SIGXFSZ and renacer catches the rest; an ignored disposition would
    survive exec, and one a shell's background job ignores (SIGINT, SIGQUIT) must.
    """
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN if sig in INHERITED_IGNORED else signal.SIG_DFL)


def _exec_child(path: str, argv: list[str], env: dict[str, str], cwd: str | None,
                seccomp: tuple | None) -> None:  # pragma: no cover
    """In the forked child: restore default signal dispositions, stop, install the filter, then exec.

    (Not measurable by coverage: the child execs or _exits. Every traced test runs it.)
    """
    try:
        restore_signals()
        if cwd:
            os.chdir(cwd)
        os.kill(os.getpid(), signal.SIGSTOP)  # wait here until the tracer has seized us
        if seccomp is not None:  # only now: a traced call without a tracer would fail with ENOSYS
            install(*seccomp)  # the tracer sees whether it succeeded; a refusal means no filter
        os.execve(path, argv, env)
    except OSError as e:
        os.write(2, f"renacer: exec: {e.strerror}\n".encode())
    except BaseException:  # noqa: B036 - nothing may escape into the parent's code
        pass
    os._exit(1)


def spawn(config: Config, options: int, seccomp: SeccompPlan | None = None) -> int:
    """Fork the command, seize it while it is stopped before execve, and let it go on (to install
    ``seccomp``'s filter, if any, then exec)."""
    argv = list(config.command)
    env = dict(os.environ) if config.env is None else dict(config.env)
    path = find_program(argv[0], env.get("PATH", os.environ.get("PATH")))
    prepared = None
    if seccomp is not None:  # built before fork: the child only makes the calls
        options |= libc.PTRACE_O_TRACESECCOMP
        fprog, code = prepare(seccomp.filter)
        prepared = (fprog, seccomp.no_new_privs, seccomp.seccomp_nr)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _exec_child(path, argv, env, config.cwd, prepared)
    got, status = libc.wait(pid, libc.WSTOPPED | libc.WALL)
    while got == -1 and status == errno.EINTR:
        got, status = libc.wait(pid, libc.WSTOPPED | libc.WALL)
    if got != pid or (status & 0xFF) != 0x7F:
        raise RenacerError(f"the command ended before it could be traced (status {status:#x})")
    try:
        ptrace(libc.PTRACE_SEIZE, pid, 0, options)
    except OSError as e:
        os.kill(pid, signal.SIGKILL)
        libc.wait(pid, libc.WALL)
        raise RenacerError(f"ptrace(PTRACE_SEIZE, {pid}): {e.strerror}") from None
    os.kill(pid, signal.SIGCONT)
    return pid


def read_tgid(tid: int) -> int:
    """The thread group (process) id of ``tid``, from /proc."""
    try:
        with open(f"/proc/{tid}/status") as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return tid


def threads_of(pid: int) -> list[int]:
    """The tids of process ``pid``'s threads, from /proc (just ``pid`` if they cannot be listed)."""
    try:
        return sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return [pid]


def _release(tids: list[int]) -> None:
    """Undo a partial attach: each seized thread was interrupted; detach it once it stops."""
    for tid in tids:
        got, status = libc.wait(tid, libc.WALL)
        sig = (status >> 8) & 0xFF if got == tid and (status & 0xFF) == 0x7F else 0
        inject = sig if got == tid and not (status >> 16) and sig != (signal.SIGTRAP | 0x80) else 0
        try:
            ptrace(libc.PTRACE_DETACH, tid, 0, inject)
        except OSError:
            pass


def seize_pids(pids: tuple[int, ...], options: int) -> list[tuple[int, int, str]]:
    """Seize and interrupt every thread of every pid: [(tid, tgid, syscall it was blocked in)]."""
    me = os.getpid()
    for pid in pids:
        if pid == me:
            raise RenacerError(f"attach: ptrace(PTRACE_SEIZE, {pid}): cannot trace renacer itself")
        if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
            raise RenacerError(f"attach: ptrace(PTRACE_SEIZE, {pid}): No such process")
    seized: list[tuple[int, int, str]] = []
    for pid in pids:
        for tid in threads_of(pid):
            if any(tid == s[0] for s in seized):
                continue
            blocked_in = blocked_syscall(tid)
            try:
                ptrace(libc.PTRACE_SEIZE, tid, 0, options)
                ptrace(libc.PTRACE_INTERRUPT, tid, 0, 0)
            except OSError as e:
                if e.errno == errno.ESRCH and tid != pid:
                    continue  # a thread that exited while we walked the list
                _release([s[0] for s in seized])
                raise RenacerError(f"attach: ptrace(PTRACE_SEIZE, {tid}): {e.strerror}") from None
            seized.append((tid, pid, blocked_in))
    return seized


def blocked_syscall(tid: int) -> str:
    """The syscall number a thread is blocked in, from /proc/TID/syscall ('' if running)."""
    try:
        with open(f"/proc/{tid}/syscall") as f:
            first = f.read().split(" ", 1)[0]
        return first if first.isdigit() else ""
    except OSError:
        return ""
