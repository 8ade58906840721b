"""The ptrace tracer loop: one waitpid, one PTRACE_GET_SYSCALL_INFO and one restart per stop."""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ...arch import Arch, current
from ...config import Config
from ...events import (
    Event,
    ExitEvent,
    ProcessEvent,
    SignalEvent,
    SourceFrame,
    StackFrame,
    StopEvent,
    SyscallEnter,
    SyscallEvent,
)
from ...pathfilter import PathFilter
from ...syscalls.base import (
    Call,
    Decoder,
)
from ...syscalls.decoders.common import signal_name
from ...syscalls.dump import io_data, io_direction, io_fd
from ...syscalls.format import s64
from ..calls import CallText, fd_link, in_set, siginfo_text
from . import libc
from .colocate import Colocation
from .libc import ptrace
from .memory import ProcessMemory
from .process import attach_options, read_tgid, seize_pids, spawn
from .seccomp import SECCOMP_SET_MODE_FILTER
from .seccomp import plan as seccomp_plan

# calls after which a process may have mapped new code (an interpreter's library, say)
MAPPING_CALLS = frozenset({"mmap", "mmap2", "mprotect", "execve", "execveat"})
_PROT_EXEC, _MAP_FIXED, _MAP_ANONYMOUS = 0x4, 0x10, 0x20  # asm-generic/mman-common.h


def maps_code(name: str, words: tuple[int, ...]) -> bool:
    """Whether a call (number and arguments in ``words``) may map a library's code or data: an
    mmap of a file, of executable memory or at a fixed place (a library's .bss), an mprotect
    making memory executable, an exec. An allocator's anonymous memory is not looked at again."""
    if name in ("mmap", "mmap2"):
        prot, flags = words[3], words[4]
        return bool(prot & _PROT_EXEC or flags & _MAP_FIXED or not flags & _MAP_ANONYMOUS)
    if name == "mprotect":
        return bool(words[3] & _PROT_EXEC)
    return name in MAPPING_CALLS

_SYSCALL_STOP = signal.SIGTRAP | 0x80
_GROUP_STOP_SIGNALS = frozenset({signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU})
_EXEC_NAMES = frozenset({"execve", "execveat"})


@dataclass(slots=True)
class _Pending:
    """A syscall between its entry and exit stops."""

    nr: int
    name: str
    args: tuple[int, ...]
    decoder: Decoder
    call: Call
    entry_text: tuple[str, ...]
    enter_ns: int
    wall_ns: int
    ip: int
    stack: tuple[StackFrame, ...] = ()
    unwound: str = ""
    pystack: tuple[SourceFrame, ...] = ()


_SKIP = object()  # marks a task inside a syscall that is filtered out
_INSTALL = object()  # marks the spawned child inside the call installing the seccomp filter
_FOLLOW = libc.PTRACE_O_TRACEFORK | libc.PTRACE_O_TRACEVFORK | libc.PTRACE_O_TRACECLONE


class _Task:
    """One traced thread."""

    __slots__ = ("tid", "tgid", "pending", "hidden", "exec_failed", "mem", "fd_path", "last_name", "remapped",
                 "ghost")

    def __init__(self, tid: int, tgid: int, hidden: bool = False, ghost: bool = False) -> None:
        self.tid = tid
        self.tgid = tgid
        self.pending: _Pending | object | None = None
        self.hidden = hidden or ghost  # the spawned child before its execve: nothing is shown
        # a child not followed (no -f) that inherited the seccomp filter: kept, never shown, so that
        # its filtered calls find a tracer (without one they would fail with ENOSYS)
        self.ghost = ghost
        self.exec_failed = False  # ...and after a failed one, only its exit is
        self.mem = ProcessMemory(tid)
        self.last_name = ""
        self.remapped = True  # it may have mapped code since its stack was last captured
        self.fd_path = self._fd_path

    def retid(self, tid: int) -> None:
        self.tid = tid
        self.mem = ProcessMemory(tid)

    def _fd_path(self, fd: int) -> str | None:
        """The /proc link of descriptor ``fd`` (AT_FDCWD: the working directory), or None."""
        return fd_link(self.tid, fd)


def _now() -> tuple[int, int]:
    return time.monotonic_ns(), time.time_ns()


class PtraceTracer:
    """Spawns or attaches to processes and yields their events."""

    def __init__(self, config: Config, arch: Arch | None = None,
                 stack_stop: Callable[[StackFrame], bool] | None = None) -> None:
        """``stack_stop``: where a stack walk may end early (the frame --source needs is reached)."""
        self.cfg = config
        self._stack_stop = stack_stop
        self.arch = arch or current()
        self.tasks: dict[int, _Task] = {}
        self.main_pid: int | None = None
        self.main_status: int | None = None  # raw wait status of the spawned command
        self.stop_signal = 0  # set by request_stop(): detach and end
        self.text = CallText(config, self.arch)  # arguments and results as strace prints them
        self._path_filter = PathFilter(config.paths, self.arch) if config.paths else None  # -P
        self._dumps = {"read": config.dump_reads, "write": config.dump_writes}
        self._any_dumps = bool(config.dump_reads or config.dump_writes or None in self._dumps.values())
        self._options = attach_options(config.follow_forks, spawned=bool(config.command))
        # seccomp-bpf: the spawned child installs a filter; untraced calls then never stop it
        self._seccomp = seccomp_plan(config, self.arch, MAPPING_CALLS if config.stacks else ())
        self._filtered = False  # the filter is in place: tasks outside a traced call run on PTRACE_CONT
        self.stops = 0  # wait results handled (how many times the tracees stopped)
        self._colocation = Colocation()  # renacer on one CPU while the tracees stop often
        restart = self.arch.numbers.get("restart_syscall")
        self._restart_traced = config.trace is not None and restart in config.trace
        self._started = False
        self._exec_done = False  # the spawned command's first execve succeeded
        self._held: tuple[_Task, int] | None = None  # the task stopped while an event is out
        self._stacks = None  # stacks for --source, -k, ...: the unwinder loads only when asked for
        if config.stacks:
            from .stacks import StackCapture

            self._stacks = StackCapture(config, self.arch.name, stack_stop)

    # ---- start -----------------------------------------------------------------------

    def start(self) -> list[Event]:
        """Spawn the command or attach to the pids; raises RenacerError before tracing starts."""
        self._started = True
        if self.cfg.command:
            pid = spawn(self.cfg, self._options, self._seccomp)
            self.main_pid = pid
            self.tasks[pid] = self._task(pid, pid, hidden=True)
            return []
        attached: list[Event] = []
        for tid, tgid, blocked_nr in seize_pids(self.cfg.pids, self._options):
            task = self._task(tid, tgid)
            task.last_name = self.arch.syscall_name(int(blocked_nr)) if blocked_nr else ""
            self.tasks[tid] = task
            attached.append(ProcessEvent(tid, "attached", *_now()))
        return attached

    def _task(self, tid: int, tgid: int, hidden: bool = False, ghost: bool = False) -> _Task:
        task = _Task(tid, tgid, hidden, ghost)
        if self.cfg.fd_paths:
            task.fd_path = lambda fd: self.text.fd_note(task.tid, fd)
        return task

    def request_stop(self, signo: int) -> None:
        """Ask the loop to detach from everything (called from a signal handler)."""
        self.stop_signal = signo

    # ---- loop ------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        """Trace until every task is gone (or a stop was requested); yields events in order."""
        if not self._started:
            yield from self.start()
        if self.cfg.colocate:
            self._colocation.start()
        try:
            yield from self._loop()
        except BaseException:  # closed early (or a bug): release every task, show nothing more
            self.abandon()
            raise
        finally:
            self._colocation.stop()
        if self.tasks:
            yield from self._detach_all()

    def abandon(self) -> None:
        """Stop tracing without reporting: the spawned command is killed, attached pids let go."""
        killing = self.main_pid in self.tasks and not self.stop_signal
        if killing:
            self.stop_signal = signal.SIGKILL
        for _ in self._detach_all():
            pass
        if killing:
            libc.wait(self.main_pid, libc.WALL)  # reap it: our child, dying of SIGKILL

    def _loop(self) -> Iterator[Event]:
        tasks = self.tasks
        colocation, colocate = self._colocation, self.cfg.colocate
        while tasks:
            if self.stop_signal:
                return
            tid, status = libc.wait(-1, libc.WALL)
            if tid == -1:
                if status == errno.EINTR:
                    continue
                return  # ECHILD: nothing left to wait for
            self.stops += 1
            if colocate:
                colocation.tick(tid)
            task = tasks.get(tid)
            if (status & 0xFF) != 0x7F:  # exited or killed
                if task is not None:
                    yield from self._on_exit(task, status)
                continue
            sig = (status >> 8) & 0xFF
            event = status >> 16
            if task is None:  # a new child whose first stop came before its parent's event
                task = self._adopt(tid)
                self._held = (task, 0)
                if not task.ghost:
                    yield ProcessEvent(tid, "attached", *_now(), detail="child")
            # While we yield, this task sits in a ptrace-stop: a consumer that stops iterating
            # must detach it directly (an interrupt would never be reported).
            self._held = (task, 0 if sig == _SYSCALL_STOP or event else sig)
            if (sig == _SYSCALL_STOP and not event) or event == libc.PTRACE_EVENT_SECCOMP:
                # Capture while stopped, resume, then hand the event out: the tracee runs
                # while the consumer formats and writes.
                ev = self._on_syscall(task)
                self._resume(task, 0)
                self._held = None
                if ev is not None:
                    yield ev
            elif event:
                yield from self._on_ptrace_event(task, event, sig)
            else:
                yield from self._on_signal(task, sig)
            self._held = None

    def _resume(self, task: _Task, sig: int) -> None:
        request = libc.PTRACE_SYSCALL
        if task.ghost:
            request = libc.PTRACE_CONT
        elif self._filtered:  # the filter stops it at the next traced call; only a call's exit needs more
            if task.pending is _SKIP:
                task.pending = None
            if task.pending is None:
                request = libc.PTRACE_CONT
        try:
            ptrace(request, task.tid, 0, sig)
        except OSError:
            pass  # the task died meanwhile; its exit is reported by wait

    def _adopt(self, tid: int, tgid: int | None = None) -> _Task:
        ghost = not self.cfg.follow_forks  # only the filter makes renacer see children without -f
        task = self._task(tid, tgid if tgid is not None else read_tgid(tid), ghost=ghost)
        self.tasks[tid] = task
        return task

    # ---- syscall stops ---------------------------------------------------------------

    def _on_syscall(self, task: _Task) -> Event | None:
        """Everything a syscall stop must capture before the task may run on."""
        if task.ghost:
            return None
        try:
            info = libc.get_syscall_info(task.tid)
        except OSError:
            return None
        # with the filter in place a seccomp stop is the entry (the entry stop came first otherwise)
        if info.op == libc.SYSCALL_INFO_ENTRY or (info.op == libc.SYSCALL_INFO_SECCOMP and self._filtered):
            return self._on_entry(task, info.words, info.stack_pointer, info.instruction_pointer)
        if info.op == libc.SYSCALL_INFO_EXIT:
            return self._on_return(task, s64(info.words[0]), info.words[1] & 0xFF)
        return None

    def _on_entry(self, task: _Task, words: object, sp: int, ip: int) -> Event | None:
        nr = words[0]  # type: ignore[index]
        name = self.arch.syscall_name(nr)
        previous, task.last_name = task.last_name, name
        if name in MAPPING_CALLS and maps_code(name, words):  # traced or not: the next stack captured
            task.remapped = True  # reads the module map again
        if task.hidden:
            if name not in _EXEC_NAMES:
                ours = self._seccomp is not None and not self._exec_done and self._installs(nr, words)
                task.pending = _INSTALL if ours else _SKIP
                return None
            task.hidden = False
        elif self._filtered and self._installs(nr, words):
            # the program's own filter outranks TRACE when it denies a call: stop at every entry again
            self._filtered = False
        trace = self.cfg.trace
        if trace is not None and nr not in trace:
            task.pending = _SKIP
            return None
        args = tuple(words[1:7])  # type: ignore[index]
        paths = self._path_filter
        if paths is not None and not paths.touches(name, args, task.mem, task._fd_path):
            task.pending = _SKIP
            return None
        decoder = self.text.decoder(nr, name)
        call = Call(name, args, task.mem, self.text.opts_for(nr), task.fd_path, task.tid, sp=sp)
        if name == "restart_syscall":
            call.saved["interrupted"] = previous
        entry_text = self.text.decode(decoder, call, entering=True) if self.cfg.decode else ()
        # the spawned command's first execve is still renacer's own child: it has no stack of the user's
        wanted = self._stacks is not None and (self._exec_done or task.tid != self.main_pid)
        stack, unwound, pystack = ((), "", ())
        if wanted:
            stack, unwound, pystack = self._stacks.capture(task.tgid, task.tid, task.mem, ip, sp,
                                                           task.remapped)
            task.remapped = False
        mono, wall = _now()
        if decoder.never_returns:
            task.pending = None
            return SyscallEvent(task.tid, task.tgid, nr, name, args, entry_text, (), None, 0, "?",
                                mono, mono, wall, ip=ip, stack=stack, unwound=unwound, pystack=pystack)
        task.pending = _Pending(nr, name, args, decoder, call, entry_text, mono, wall, ip, stack, unwound,
                                pystack)
        return SyscallEnter(task.tid, task.tgid, nr, name, args, entry_text, decoder.exits(call), mono, wall,
                            decoder.joint, ip)

    def _installs(self, nr: int, words: object) -> bool:
        """Whether call ``nr`` with arguments ``words[1:]`` installs a seccomp filter."""
        op = words[1]  # type: ignore[index]
        if nr == self._seccomp.seccomp_nr:  # type: ignore[union-attr]
            return op == SECCOMP_SET_MODE_FILTER
        return self.arch.syscall_name(nr) == "prctl" and op == libc.PR_SET_SECCOMP

    def _filter_installed(self, task: _Task) -> None:
        """The child's filter is in place: from now on only traced calls stop the tracees."""
        self._filtered = True
        if not self.cfg.follow_forks:  # its children inherit the filter: keep them, unseen
            try:
                options = self._options | libc.PTRACE_O_TRACESECCOMP | _FOLLOW
                ptrace(libc.PTRACE_SETOPTIONS, task.tid, 0, options)
            except OSError:
                pass

    def _on_return(self, task: _Task, rval: int, is_error: int) -> Event | None:
        p = task.pending
        task.pending = None
        if p is _INSTALL and rval == 0 and task.tid == self.main_pid:
            self._filter_installed(task)
        if not isinstance(p, _Pending):
            return None  # filtered out, or the exit of a call entered before we attached
        call = p.call
        call.exiting = True
        call.retval = rval
        call.error = -rval if is_error else 0
        if self.cfg.decode:
            exit_text = self.text.decode(p.decoder, call, entering=False) if p.decoder.exits(call) else ()
            ret_text = self.text.result(call, p.decoder)
        else:
            exit_text, ret_text = (), ""
        io = self._io(call) if self._any_dumps else ()
        mono = time.monotonic_ns()
        if call.error and p.name in _EXEC_NAMES and task.tid == self.main_pid and not self._exec_done:
            task.hidden = task.exec_failed = True  # the child reports why and exits; show only that
        elif p.name in _EXEC_NAMES and not call.error:
            self._exec_done = True
        return SyscallEvent(task.tid, task.tgid, p.nr, p.name, p.args, p.entry_text, exit_text, rval,
                            call.error, ret_text, p.enter_ns, mono, p.wall_ns, joint=p.decoder.joint, ip=p.ip,
                            io=io, stack=p.stack, unwound=p.unwound, pystack=p.pystack)

    def stack_notices(self) -> list[str]:
        """What stack capture could not do, one line each (an interpreter version it cannot read)."""
        return self._stacks.notices() if self._stacks is not None else []

    def _io(self, call: Call) -> tuple:
        """The data of a read or write on a descriptor named by -e read= / -e write=."""
        direction = io_direction(call.name)
        if direction is None or not in_set(io_fd(call), self._dumps[direction]):
            return ()
        return io_data(call)

    def _unfinished(self, task: _Task, reason: str) -> Iterator[Event]:
        p = task.pending
        task.pending = None
        if isinstance(p, _Pending):
            mono = time.monotonic_ns()
            yield SyscallEvent(task.tid, task.tgid, p.nr, p.name, p.args, p.entry_text, (), None, 0, "?",
                               p.enter_ns, mono, p.wall_ns, unfinished=True, reason=reason, stack=p.stack,
                               unwound=p.unwound, pystack=p.pystack)

    # ---- ptrace events, signals, exits --------------------------------------------------

    def _on_ptrace_event(self, task: _Task, event: int, sig: int) -> Iterator[Event]:
        tid = task.tid
        if event == libc.PTRACE_EVENT_STOP:
            if sig in _GROUP_STOP_SIGNALS:
                if not (task.hidden or task.ghost):
                    yield StopEvent(tid, task.tgid, sig, signal_name(sig), *_now())
                try:
                    ptrace(libc.PTRACE_LISTEN, tid, 0, 0)
                except OSError:
                    pass
                return
            self._resume(task, 0)  # the first stop of a new task, or an interrupt
            return
        if event in (libc.PTRACE_EVENT_FORK, libc.PTRACE_EVENT_VFORK, libc.PTRACE_EVENT_CLONE):
            try:
                child = libc.get_event_msg(tid)
            except OSError:
                child = 0
            if child and child not in self.tasks:
                if not self._adopt(child).ghost:
                    yield ProcessEvent(child, "attached", *_now(), detail="child")
        elif event == libc.PTRACE_EVENT_EXEC:
            self._exec_done = True  # also when -e trace= hides the execve itself
            if self._stacks is not None:
                self._stacks.forget(task.tgid)  # a new program: new mappings
            yield from self._on_exec(task)
            task = self.tasks.get(task.tid, task)  # a thread that exec'd now holds the leader's tid
        self._resume(task, 0)

    def _on_exec(self, task: _Task) -> Iterator[Event]:
        """A thread other than the leader exec'd: it takes over the leader's tid."""
        try:
            former = libc.get_event_msg(task.tid)
        except OSError:
            return
        if former == task.tid or former not in self.tasks:
            return
        leader = task
        execer = self.tasks.pop(former)
        if execer.ghost and not leader.ghost:
            # as if untraced (so it is without the filter): the leader's call ends only with the new
            # program, which runs unseen
            leader.ghost = True
            return
        yield from self._unfinished(leader, "superseded")
        yield ProcessEvent(leader.tid, "superseded", *_now(), detail=str(former))
        execer.retid(leader.tid)
        self.tasks[leader.tid] = execer
        if isinstance(execer.pending, _Pending):
            execer.pending.call.tid = leader.tid
            execer.pending.call.mem = execer.mem

    def _on_signal(self, task: _Task, sig: int) -> Iterator[Event]:
        if self._filtered and self._restart_traced:
            # restart_syscall names the call it resumes, which the filter may not have stopped at
            regs = libc.get_regs(task.tid)
            nr = self.arch.interrupted_call(regs, task.mem.read) if regs is not None else None
            task.last_name = self.arch.syscall_name(nr) if nr is not None else task.last_name
        if not (task.hidden or task.ghost):
            try:
                info = libc.get_siginfo(task.tid)
            except OSError:
                info = b""
            ip = self._ip(task.tid) if self.cfg.instruction_pointer else 0
            text = siginfo_text(info, self.cfg.xlat_style)
            yield SignalEvent(task.tid, task.tgid, sig, signal_name(sig), text, *_now(), ip)
        self._resume(task, sig)

    @staticmethod
    def _ip(tid: int) -> int:
        try:
            return libc.get_syscall_info(tid).instruction_pointer
        except OSError:
            return 0

    def _on_exit(self, task: _Task, status: int) -> Iterator[Event]:
        del self.tasks[task.tid]
        if self._stacks is not None and task.tid == task.tgid:
            self._stacks.forget(task.tgid)  # its maps (any threads left read them again)
        if task.tid == self.main_pid:
            self.main_status = status
        if task.hidden and not task.exec_failed:
            return  # died before its execve: the child said why
        yield from self._unfinished(task, "exit")
        mono, wall = _now()
        if os.WIFEXITED(status):
            yield ExitEvent(task.tid, task.tgid, os.WEXITSTATUS(status), None, None, False, mono, wall,
                            leader=task.tid == task.tgid)
        else:
            signo = os.WTERMSIG(status)
            yield ExitEvent(task.tid, task.tgid, None, signo, signal_name(signo), os.WCOREDUMP(status),
                            mono, wall, leader=task.tid == task.tgid)
        if task.tid == self.main_pid:
            left = {t.tgid for t in self.tasks.values() if t.ghost and t.tgid != task.tgid}
            if left:  # unfollowed children with the filter: renacer stays until they end (say so)
                yield ProcessEvent(task.tid, "waiting", mono, wall, detail=str(len(left)))

    # ---- detach ----------------------------------------------------------------------

    def _detach_all(self) -> Iterator[Event]:
        """Leave every task running as it was: interrupt, wait for the stop, detach."""
        if self.main_pid in self.tasks and self.stop_signal:
            # As strace does for the command it started: pass the fatal signal on.
            for sig in (signal.SIGCONT, self.stop_signal):
                try:
                    os.kill(self.main_pid, sig)  # type: ignore[arg-type]
                except OSError:
                    pass
        held, self._held = self._held, None
        for task in list(self.tasks.values()):
            if held is None or task is not held[0]:
                try:
                    ptrace(libc.PTRACE_INTERRUPT, task.tid, 0, 0)
                except OSError:
                    pass
        for task in list(self.tasks.values()):
            if held is not None and task is held[0]:
                try:
                    ptrace(libc.PTRACE_DETACH, task.tid, 0, held[1])
                except OSError:
                    pass
                if not task.hidden:
                    yield ProcessEvent(task.tid, "detached", *_now())
                yield from self._unfinished(task, "detached")
            else:
                yield from self._detach_one(task)
        self.tasks.clear()

    def _detach_one(self, task: _Task) -> Iterator[Event]:
        tid = task.tid
        while True:
            got, status = libc.wait(tid, libc.WALL)
            if got == -1:
                if status == errno.EINTR:
                    continue
                break  # already gone
            if (status & 0xFF) != 0x7F:
                yield from self._on_exit(task, status)
                self.tasks[tid] = task  # _on_exit removed it; _detach_all clears at the end
                return
            sig = (status >> 8) & 0xFF
            event = status >> 16
            inject = 0
            if sig == _SYSCALL_STOP or event:
                if event == libc.PTRACE_EVENT_STOP and sig in _GROUP_STOP_SIGNALS:
                    inject = 0  # stays stopped, as someone asked
                elif event == libc.PTRACE_EVENT_STOP or sig == _SYSCALL_STOP:
                    inject = 0
                else:
                    self._resume(task, 0)  # a fork/exec event stop: let it reach the interrupt
                    continue
            else:
                inject = sig  # a signal was about to be delivered: deliver it after we leave
            try:
                ptrace(libc.PTRACE_DETACH, tid, 0, inject)
            except OSError:
                pass
            break
        if not task.hidden:
            yield ProcessEvent(tid, "detached", *_now())
        yield from self._unfinished(task, "detached")
