"""The HTML report's files and sockets: bytes and time per path or endpoint, found through descriptors.

Each process has a table of descriptors, filled as the trace goes: a successful open/openat/creat
names its result by the path, socket/socketpair/pipe by what they made, connect/bind/accept by
the address, dup/fcntl(F_DUPFD) copies, close forgets, a fork copies the parent's table and a
successful execve drops the close-on-exec ones. With ``-y``/``-yy`` the kernel's own name of a
descriptor (``3</etc/passwd>``) wins. A call is charged to the target of its first descriptor
argument (its whole duration); bytes are the return value of the read and write families.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..events import SyscallEvent

# argument names (from the kernel's signatures) that hold a descriptor whose I/O is being done
FD_ARGS = frozenset({"fd", "fd_in", "fd_out", "fdin", "fdout", "in_fd", "out_fd", "oldfd", "epfd"})

# syscall -> (argument read from, argument written to): the return value is the bytes moved
BYTE_FLOW: dict[str, tuple[int | None, int | None]] = {
    **dict.fromkeys(("read", "pread64", "readv", "preadv", "preadv2", "recvfrom", "recvmsg"), (0, None)),
    **dict.fromkeys(("write", "pwrite64", "writev", "pwritev", "pwritev2", "sendto", "sendmsg"), (None, 0)),
    "sendfile": (1, 0),
    "copy_file_range": (0, 2),
    "splice": (0, 2),
    "tee": (0, 1),
}

OPENS = {"open": 0, "creat": 0, "openat": 1, "openat2": 1}  # syscall -> the path argument
PAIRS = {"pipe": 0, "pipe2": 0, "socketpair": 3}  # syscall -> the argument returning two descriptors
DUPS = frozenset({"dup", "dup2", "dup3"})
FORKS = frozenset({"clone", "clone3", "fork", "vfork"})
EXECS = frozenset({"execve", "execveat"})
# syscalls returning a descriptor of a kind of their own -> the kind's name
OTHER_FDS = {
    "eventfd": "eventfd", "eventfd2": "eventfd", "epoll_create": "epoll", "epoll_create1": "epoll",
    "timerfd_create": "timerfd", "signalfd": "signalfd", "signalfd4": "signalfd", "inotify_init": "inotify",
    "inotify_init1": "inotify", "fanotify_init": "fanotify", "memfd_create": "memfd", "pidfd_open": "pidfd",
    "userfaultfd": "userfaultfd", "perf_event_open": "perf_event", "bpf": "bpf", "io_uring_setup": "io_uring",
}
STDIO = ("stdin", "stdout", "stderr")
SOCKET_PREFIXES = ("socket:", "TCP", "UDP", "UNIX", "NETLINK", "RAW", "PACKET", "SCTP", "L2TP", "UDPLITE")

_ANNOTATED = re.compile(r"^(-?\d+)<(.*)>$", re.S)  # -y: '3</etc/passwd>'
_PAIR = re.compile(r"^\[(-?\d+)(?:<.*?>)?, (-?\d+)(?:<.*?>)?\]$", re.S)  # pipe2/socketpair's '[3, 4]'
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"(\.\.\.)?$', re.S)
_FAMILY = re.compile(r"sa_family=(AF_\w+)")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_ADDR4 = re.compile(r'sin_addr=inet_addr\("([^"]*)"\)')
_ADDR6 = re.compile(r'inet_pton\(AF_INET6, "([^"]*)"')
_UNIX = re.compile(r'sun_path=(@?"(?:[^"\\]|\\.)*")')


@dataclass(slots=True)
class Target:
    """One opened thing (a file, a socket, a pipe...): what was done through its descriptors."""

    label: str
    kind: str  # 'file', 'socket', 'pipe', 'stdio', 'other'
    calls: int = 0
    read_bytes: int = 0
    written_bytes: int = 0
    time_ns: int = 0
    errors: int = 0
    placeholder: bool = False  # a descriptor seen before the call that made it (inherited, or a
    # child that ran before its parent's fork returned): merged into the real one when that is known
    origin: int = -1  # a placeholder's descriptor number when first seen
    merged: bool = False  # a placeholder whose numbers went to the real target


@dataclass(slots=True)
class Slot:
    """A descriptor in one process's table."""

    target: Target
    cloexec: bool = False


@dataclass(slots=True)
class FdTable:
    """One process's descriptors, and which it changed itself (a fork noticed late must not undo those)."""

    slots: dict[int, Slot] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    placeholders: list[Target] = field(default_factory=list)

    def get(self, fd: int) -> Slot | None:
        return self.slots.get(fd)

    def bind(self, fd: int, target: Target, cloexec: bool = False) -> None:
        self.slots[fd] = Slot(target, cloexec)
        self.touched.add(fd)

    def drop(self, fd: int) -> None:
        self.slots.pop(fd, None)
        self.touched.add(fd)


@dataclass
class FdTracker:
    """Follows every process's descriptors and adds each call to its target."""

    signatures: dict[str, tuple[tuple[str, str], ...]]
    tables: dict[int, FdTable] = field(default_factory=dict)  # by tgid
    targets: list[Target] = field(default_factory=list)
    pipes: int = 0
    fd_positions: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, ev: SyscallEvent) -> None:
        """Charge a finished call to its descriptor's target, then apply what it did to the table."""
        args = (*ev.entry_text, *ev.exit_text)
        table = self.tables.get(ev.tgid)
        if table is None:
            table = self.tables[ev.tgid] = FdTable()
        positions = self._positions(ev.name)
        if positions:
            fd = _signed(ev.args[positions[0]]) if positions[0] < len(ev.args) else -1
            if fd >= 0:
                target = self._target(table, fd, args[positions[0]] if positions[0] < len(args) else "")
                target.calls += 1
                target.time_ns += max(ev.exit_ns - ev.enter_ns, 0)
                target.errors += bool(ev.error)
                self._bytes(ev, table, args)
        if ev.retval is not None and (not ev.error or ev.name == "connect"):  # a refused peer is still named
            self._update(ev, table, args)

    def _positions(self, name: str) -> tuple[int, ...]:
        found = self.fd_positions.get(name)
        if found is None:
            sig = self.signatures.get(name, ())
            found = self.fd_positions[name] = tuple(i for i, (_, arg) in enumerate(sig) if arg in FD_ARGS)
        return found

    def _target(self, table: FdTable, fd: int, text: str) -> Target:
        """The target of ``fd``; a -y annotation names it; an unknown one becomes a placeholder."""
        slot = table.get(fd)
        named = _ANNOTATED.match(text)
        if slot is None:
            if named:
                label = named.group(2)
                target = self._new(label, _kind_of(label))
            else:
                label = STDIO[fd] if fd < 3 else f"fd {fd} (opened before the trace)"
                target = self._new(label, "stdio" if fd < 3 else "other")
                target.placeholder, target.origin = True, fd
                table.placeholders.append(target)
            table.bind(fd, target)
            slot = table.slots[fd]
        elif named and slot.target.label != (label := named.group(2)):
            # the kernel's name wins, except a bare 'socket:[ino]' over an endpoint read from connect
            if not (label.startswith("socket:") and slot.target.label.startswith("AF_")):
                slot.target.label, slot.target.kind = label, _kind_of(label)
                slot.target.placeholder = False
        return slot.target

    def _bytes(self, ev: SyscallEvent, table: FdTable, args: tuple[str, ...]) -> None:
        flow = BYTE_FLOW.get(ev.name)
        if flow is None or not ev.retval or ev.retval < 0:
            return
        source, sink = flow
        if source is not None and source < len(ev.args) and (fd := _signed(ev.args[source])) >= 0:
            self._target(table, fd, args[source] if source < len(args) else "").read_bytes += ev.retval
        if sink is not None and sink < len(ev.args) and (fd := _signed(ev.args[sink])) >= 0:
            self._target(table, fd, args[sink] if sink < len(args) else "").written_bytes += ev.retval

    def _update(self, ev: SyscallEvent, table: FdTable, args: tuple[str, ...]) -> None:
        """What a successful call did to the descriptor table."""
        name, ret = ev.name, ev.retval or 0
        annotated = _ANNOTATED.match(ev.ret_text)  # -y on a returned descriptor
        if name in OPENS:
            at = OPENS[name]
            label = annotated.group(2) if annotated else _unquote(args[at]) if at < len(args) else "?"
            flags = args[at + 1] if at + 1 < len(args) else ""
            table.bind(ret, self._new(label, "file"), "O_CLOEXEC" in flags)
        elif name == "socket":
            label = annotated.group(2) if annotated else f"socket ({', '.join(args[:2])})"
            table.bind(ret, self._new(label, "socket"), "SOCK_CLOEXEC" in "".join(args[1:2]))
        elif name in PAIRS and (pair := _PAIR.match(args[PAIRS[name]] if PAIRS[name] < len(args) else "")):
            self.pipes += 1
            kind = "socket" if name == "socketpair" else "pipe"
            target = self._new(f"{'socketpair' if kind == 'socket' else 'pipe'} #{self.pipes}", kind)
            cloexec = "CLOEXEC" in "".join(a for i, a in enumerate(args) if i != PAIRS[name])
            for fd in pair.groups():
                table.bind(int(fd), target, cloexec)
        elif name in ("connect", "bind") and len(args) > 1:
            slot = table.get(_signed(ev.args[0]))
            endpoint = _endpoint(args[1])
            bound_only = name == "bind" and slot is not None and slot.target.label.startswith("AF_")
            if slot is not None and endpoint and not bound_only:
                slot.target.label = endpoint if name == "connect" else f"{endpoint} (bound)"
                slot.target.kind = "socket"
        elif name in ("accept", "accept4"):
            peer = _endpoint(args[1]) if len(args) > 1 else ""
            label = annotated.group(2) if annotated else f"{peer or 'socket'} (accepted)"
            table.bind(ret, self._new(label, "socket"), "SOCK_CLOEXEC" in "".join(args[3:4]))
        elif name in DUPS or (name == "fcntl" and len(args) > 1 and args[1].startswith("F_DUPFD")):
            slot = table.get(_signed(ev.args[0]))
            if slot is not None and ret != _signed(ev.args[0]):
                cloexec = "O_CLOEXEC" in "".join(args[2:]) or args[1:2] == ("F_DUPFD_CLOEXEC",)
                table.bind(ret, slot.target, cloexec)
        elif name == "close":
            table.drop(_signed(ev.args[0]))
        elif name == "close_range":
            low, high = _signed(ev.args[0]), ev.args[1]
            for fd in [fd for fd in table.slots if low <= fd <= high]:
                table.drop(fd)
        elif name in OTHER_FDS:
            label = annotated.group(2) if annotated else OTHER_FDS[name]
            if name == "memfd_create" and args:
                label = f"memfd:{_unquote(args[0])}"
            table.bind(ret, self._new(label, "other"), "CLOEXEC" in "".join(args[1:]))
        elif name in FORKS and ret > 0 and "CLONE_THREAD" not in "".join(args):
            self._inherit(table, ret)
        elif name in EXECS:
            for fd in [fd for fd, slot in table.slots.items() if slot.cloexec]:
                table.drop(fd)

    def _inherit(self, parent: FdTable, child_pid: int) -> None:
        """A fork: the child has the parent's descriptors, but for those it changed before this was seen.

        A child can run before its parent's fork returns; the placeholders it made then stand for
        the parent's descriptors, so their numbers go to the parent's targets.
        """
        child = self.tables.get(child_pid)
        if child is None:
            child = self.tables[child_pid] = FdTable()
        real: dict[int, Target] = {}
        for p in child.placeholders:
            slot = parent.get(p.origin)
            if slot is not None and slot.target is not p and not p.merged:
                _merge(slot.target, p)
                p.merged = True
                real[id(p)] = slot.target
        child.placeholders = [p for p in child.placeholders if not p.merged]
        for slot in child.slots.values():
            slot.target = real.get(id(slot.target), slot.target)
        for fd, slot in parent.slots.items():
            if fd not in child.touched:
                child.slots[fd] = Slot(slot.target, slot.cloexec)

    def _new(self, label: str, kind: str, placeholder: bool = False) -> Target:
        target = Target(label, kind, placeholder=placeholder)
        self.targets.append(target)
        return target

    def rows(self) -> list[tuple[str, str, int, int, int, int, int]]:
        """(label, kind, calls, bytes read, bytes written, time ns, errors) per label, used ones only."""
        merged: dict[tuple[str, str], list[int]] = {}
        for t in self.targets:
            if t.merged or not t.calls:
                continue
            row = merged.setdefault((t.label, t.kind), [0, 0, 0, 0, 0])
            for i, value in enumerate((t.calls, t.read_bytes, t.written_bytes, t.time_ns, t.errors)):
                row[i] += value
        return [(label, kind, *values) for (label, kind), values in merged.items()]  # type: ignore[misc]


def _merge(into: Target, other: Target) -> None:
    into.calls += other.calls
    into.read_bytes += other.read_bytes
    into.written_bytes += other.written_bytes
    into.time_ns += other.time_ns
    into.errors += other.errors


def _signed(value: int) -> int:
    """A descriptor register as the kernel reads it: the low 32 bits, signed."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _unquote(text: str) -> str:
    """A path argument without strace's quotes ('"/etc/passwd"' -> '/etc/passwd'; escapes kept)."""
    m = _QUOTED.match(text)
    return (m.group(1) + (m.group(2) or "")) if m else text


def _kind_of(label: str) -> str:
    if label.startswith(SOCKET_PREFIXES):
        return "socket"
    if label.startswith("pipe:"):
        return "pipe"
    return "other" if label.startswith("anon_inode:") else "file"


def _endpoint(text: str) -> str:
    """A sockaddr as strace prints it, shortened: 'AF_INET 10.0.0.1:443', 'AF_UNIX "/run/x.sock"'."""
    family = _FAMILY.search(text)
    if family is None:
        return ""
    port = _PORT.search(text)
    addr = _ADDR4.search(text) or _ADDR6.search(text)
    if addr:
        host = addr.group(1) if family.group(1) == "AF_INET" else f"[{addr.group(1)}]"
        return f"{family.group(1)} {host}:{port.group(1) if port else '?'}"
    path = _UNIX.search(text)
    return f"{family.group(1)} {path.group(1)}" if path else family.group(1)
