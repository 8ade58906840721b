"""The traced process tree, kept in the kernel: a ``pids`` map the syscall programs look themselves up in.

Map ``renacer_pids`` (BPF_MAP_TYPE_HASH): key u32 id, value u8 1. The id is the tgid under -f
(every thread of a traced process is traced, and a program on sched:sched_process_fork adds the
children of traced processes), else the tid (without -f strace traces the thread it was given,
and -p every thread the process had then). A program on sched:sched_process_exit removes a task's
id as it exits, so a reused number is not traced by mistake. Both read their record's fields at
the offsets this kernel's tracefs format files give (tracefs.py).
"""

from __future__ import annotations

import os
import struct

from ...config import Config
from ...errors import RenacerError
from ..ptrace.process import find_program, read_tgid, restore_signals, threads_of
from .asm import R0, R1, R2, R3, R4, R6, R7, R8, R10, B, Helper, MapLike, Program, Reg, W
from .bpf import MAP_HASH, Attachment, BpfMap, Prog, attach_tracepoint, load_program
from .tracefs import TracepointLayout, tracepoint_layout

MAX_TRACED = 16384  # ids traced at once (live processes under -f, threads without it)
_KEY = struct.Struct("<I")
_TRACED = b"\x01"


def _exec_child(read_fd: int, path: str, argv: list[str], env: dict[str, str],
                cwd: str | None) -> None:  # pragma: no cover - the child: it execs or _exits
    """In the forked child: renacer's own signal dispositions, wait for the byte that says go, exec."""
    try:
        restore_signals()
        if cwd:
            os.chdir(cwd)
        if os.read(read_fd, 1) != b"g":
            os._exit(1)  # renacer gave up before tracing started: never run untraced
        os.execve(path, argv, env)  # the pipe is close-on-exec
    except OSError as e:
        os.write(2, f"renacer: exec: {e.strerror}\n".encode())
    except BaseException:  # noqa: B036 - nothing may escape into the parent's code
        pass
    os._exit(1)


def emit_filter(prog: Program, pids: MapLike, by_tgid: bool, skip_label: str, scratch: int = -8,
                keep: Reg | None = None) -> None:
    """Instructions jumping to ``skip_label`` unless the current task is in ``pids``.

    They clobber R0-R5 and the 4 stack bytes at ``scratch`` (from R10): keep ctx in R6 first.
    ``keep``, a callee-saved register (R6-R9), is left holding pid_tgid for the caller.
    """
    prog.comment("traced? look the current task up in renacer_pids")
    prog.call(Helper.GET_CURRENT_PID_TGID)  # tgid << 32 | tid
    if keep is not None:
        prog.mov(keep, R0)
    if by_tgid:
        prog.rsh(R0, 32)
    prog.stx(W, R10, scratch, R0)  # the lower 32 bits: the tgid shifted down, or the tid
    prog.ld_map(R1, pids)
    prog.mov(R2, R10)
    prog.add(R2, scratch)
    prog.call(Helper.MAP_LOOKUP_ELEM)
    prog.jmp("==", R0, 0, skip_label)


def fork_program(pids: MapLike, fork: TracepointLayout) -> Program:
    """sched_process_fork (under -f), run by the parent: its tgid traced -> the child's id is too.

    ``fork``: this kernel's layout of the tracepoint's record (child_pid's offset moves between versions).
    """
    child_pid = fork.offset("child_pid", 4)  # pid_t
    p = Program()
    p.comment("r6 = the tracepoint record (parent_pid, child_pid ...)")
    p.mov(R6, R1)
    emit_filter(p, pids, True, "out")
    p.comment("key = child_pid (a thread's tid too: it is removed when that thread exits)")
    p.ldx(W, R1, R6, child_pid)
    p.stx(W, R10, -8, R1)
    p.st(B, R10, -12, 1)
    p.ld_map(R1, pids)
    p.mov(R2, R10)
    p.add(R2, -8)
    p.mov(R3, R10)
    p.add(R3, -12)
    p.mov(R4, 0)  # BPF_ANY
    p.call(Helper.MAP_UPDATE_ELEM)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


def _delete(p: Program, pids: MapLike, key: Reg) -> None:
    p.stx(W, R10, -8, key)
    p.ld_map(R1, pids)
    p.mov(R2, R10)
    p.add(R2, -8)
    p.call(Helper.MAP_DELETE_ELEM)  # absent keys: -ENOENT, ignored


def exit_program(pids: MapLike, by_tgid: bool, exit_: TracepointLayout) -> Program:
    """sched_process_exit, run by the exiting task: its id leaves the map, so a reused number is
    not traced by mistake (under -f: a thread's own entry, and the tgid once the group is dead).

    ``exit_``: this kernel's layout of the record. Without its ``group_dead`` field (older kernels)
    the tgid stays, and Target.live() drops it once the process is gone.
    """
    p = Program()
    p.mov(R6, R1)
    p.call(Helper.GET_CURRENT_PID_TGID)
    p.mov(R7, R0)
    p.mov32(R8, R0)  # the tid
    if not by_tgid:
        _delete(p, pids, R8)
    else:
        p.rsh(R7, 32)  # the tgid
        p.jmp("==", R8, R7, "leader")
        _delete(p, pids, R8)  # a thread added by the fork program
        p.label("leader")
        if exit_.has("group_dead"):
            p.ldx(B, R1, R6, exit_.offset("group_dead", 1))  # bool
            p.jmp("==", R1, 0, "out")
            _delete(p, pids, R7)
    p.label("out")
    p.mov(R0, 0)
    p.exit()
    return p


class Target:
    """The processes one run traces: the spawned command or the -p pids, and their map in the kernel."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.by_tgid = config.follow_forks
        self.main_pid: int | None = None
        self.main_status: int | None = None
        self._gate: int | None = None  # the write end of the spawned child's pipe, until release()
        self._progs: list[Prog] = []
        self._attachments: list[Attachment] = []
        self._cleanup = False
        self.pids = BpfMap.create(MAP_HASH, 4, 1, MAX_TRACED, "renacer_pids")
        try:
            self._attach_programs()
        except BaseException:
            self.close()
            raise

    # ---- the programs that keep the map --------------------------------------------------

    def _attach(self, program: Program, name: str, category: str, event: str) -> None:
        prog = load_program(program.assemble(), name)
        self._progs.append(prog)
        self._attachments.append(attach_tracepoint(prog, category, event))

    def _attach_programs(self) -> None:
        if self.by_tgid:
            fork = tracepoint_layout("sched", "sched_process_fork")
            self._attach(fork_program(self.pids, fork), "renacer_fork", "sched", "sched_process_fork")

    def _attach_cleanup(self) -> None:
        """The exit program goes last: programs on one tracepoint run in the order they were attached,
        so a session's own sched_process_exit program still finds the exiting task traced."""
        if not self._cleanup:
            self._cleanup = True
            layout = tracepoint_layout("sched", "sched_process_exit")
            self._attach(exit_program(self.pids, self.by_tgid, layout), "renacer_exit", "sched",
                         "sched_process_exit")

    def emit_filter(self, prog: Program, skip_label: str, scratch: int = -8, keep: Reg | None = None) -> None:
        """Instructions jumping to ``skip_label`` unless the current task is traced (see emit_filter)."""
        emit_filter(prog, self.pids, self.by_tgid, skip_label, scratch, keep)

    def add(self, task_id: int) -> None:
        """Trace ``task_id`` (a tgid under -f, else a tid) from now on."""
        self.pids.update(_KEY.pack(task_id), _TRACED)

    def traced(self) -> list[int]:
        """The ids in the map now."""
        return [_KEY.unpack(key)[0] for key in self.pids.keys()]

    def live(self) -> list[int]:
        """The ids in the map whose task still exists; the others are dropped from the map.

        The exit program removes most ids itself; a kernel whose sched_process_exit has no
        ``group_dead`` leaves a dead process's tgid, which goes here, before its number is reused.
        """
        alive = []
        for task_id in self.traced():
            if os.path.exists(f"/proc/{task_id}"):
                alive.append(task_id)
            else:
                self.pids.delete(_KEY.pack(task_id))
        return alive

    # ---- processes ----------------------------------------------------------------------

    def spawn(self) -> int:
        """Fork the command; it waits before its execve until release()."""
        argv = list(self.config.command)
        env = dict(os.environ) if self.config.env is None else dict(self.config.env)
        path = find_program(argv[0], env.get("PATH", os.environ.get("PATH")))
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(write_fd)
            _exec_child(read_fd, path, argv, env, self.config.cwd)
        os.close(read_fd)
        self.main_pid, self._gate = pid, write_fd
        return pid

    def release(self) -> None:
        """Trace the spawned command from here on and let it exec (its first records come before execve).

        Call it once the sessions' programs are attached: the exit program attached here runs after theirs.
        """
        if self._gate is None or self.main_pid is None:
            return
        self._attach_cleanup()
        self.add(self.main_pid)  # a new process: tid and tgid alike
        os.write(self._gate, b"g")
        os.close(self._gate)
        self._gate = None

    def attach_pids(self, pids: tuple[int, ...]) -> list[int]:
        """-p: trace these running processes (every thread they have now); the ids added to the map.

        As with release(), the sessions' programs are attached before.
        """
        me = os.getpid()
        added: list[int] = []
        for pid in pids:
            if pid == me:
                raise RenacerError(f"attach: {pid}: cannot trace renacer itself")
            if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
                raise RenacerError(f"attach: {pid}: No such process")
        self._attach_cleanup()
        for pid in pids:
            ids = [read_tgid(pid)] if self.by_tgid else threads_of(pid)
            for task_id in ids:
                if task_id not in added:
                    self.add(task_id)
                    added.append(task_id)
        return added

    def reap(self, block: bool) -> int | None:
        """The spawned command's raw wait status once it ended (waiting for it when ``block``), else None."""
        if self.main_status is not None or self.main_pid is None:
            return self.main_status
        try:
            pid, status = os.waitpid(self.main_pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return None
        if pid == self.main_pid:
            self.main_status = status
        return self.main_status

    def close(self) -> None:
        """Detach the programs and drop the map; a command never released is made to end, and reaped."""
        if self._gate is not None:
            os.close(self._gate)  # the child reads EOF and exits without running the command
            self._gate = None
            self.reap(block=True)
        for attachment in self._attachments:
            attachment.close()
        for prog in self._progs:
            prog.close()
        self._attachments, self._progs = [], []
        self.pids.close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
