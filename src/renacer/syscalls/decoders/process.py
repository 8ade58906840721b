"""Decoders for processes: exec, exit, clone, wait, limits, identity, system information."""

from __future__ import annotations

from ..base import (
    DIRFD,
    HEX,
    INT,
    PATH,
    PTR,
    ULONG,
    Call,
    Decoder,
    buffer,
    const,
    cstring,
    flags,
    hexnum,
    out,
    ret_none,
    sig,
)
from ..format import ptr, quote
from ..xlat.fs import AT_FLAGS
from ..xlat.process import ARCH_PRCTL, CLONE_FLAGS, GETRANDOM_FLAGS, PRIO_WHICH, RLIMITS, WAIT_OPTIONS
from .common import OUT_INT, failed, read_struct, signal_name, timeval_at

CLONE_PARENT_SETTID = 0x00100000
CLONE_CHILD_SETTID = 0x01000000
CLONE_CHILD_CLEARTID = 0x00200000
CLONE_SETTLS = 0x00080000
CLONE_PIDFD = 0x00001000
CLONE_INTO_CGROUP = 0x200000000
RLIM64_INFINITY = 0xFFFFFFFFFFFFFFFF


# ---- execve ---------------------------------------------------------------------------------


def _pointers(c: Call, addr: int, limit: int) -> list[int] | None:
    """Up to ``limit`` pointers of a NULL-terminated array; None when unreadable."""
    found: list[int] = []
    while len(found) < limit:
        got = read_struct(c, addr + 8 * len(found), "<Q")
        if got is None:
            return None
        if got[0] == 0:
            return found
        found.append(got[0])
    return found


def ARGV(c: Call, i: int) -> str:
    """An argv array: each string cut at -s, at most -s elements, then ``...``."""
    addr = c.args[i]
    if addr == 0:
        return "NULL"
    limit = c.opts.string_limit
    items = _pointers(c, addr, limit + 1)
    if items is None:
        return ptr(addr)
    texts = [STR_AT(c, p) for p in items[:limit]]
    if len(items) > limit:
        texts.append("...")
    return "[" + ", ".join(texts) + "]"


def STR_AT(c: Call, addr: int) -> str:
    return cstring(c, addr, c.opts.string_limit)


def ENVP(c: Call, i: int) -> str:
    """An environment, abbreviated as strace does: ``0x7ffe... /* 35 vars */``."""
    addr = c.args[i]
    if addr == 0:
        return "NULL"
    items = _pointers(c, addr, 1 << 16)
    if items is None:
        return ptr(addr)
    return f"{ptr(addr)} /* {len(items)} vars */"


# ---- clone ----------------------------------------------------------------------------------


def clone_flags_text(v: int) -> str:
    """clone flags with the exit signal in the low byte: ``CLONE_VM|...|SIGCHLD``."""
    sig_ = v & 0xFF
    rest = v & ~0xFF
    parts = [CLONE_FLAGS.flags(rest)] if rest else []
    if sig_:
        parts.append(signal_name(sig_))
    return "|".join(parts) if parts else "0"


def _tid_at(c: Call, addr: int) -> str:
    got = read_struct(c, addr, "<i")
    return ptr(addr) if got is None else f"[{got[0]}]"


def _clone_tail(c: Call) -> list[str]:
    fl = c.args[0]
    tail = []
    if fl & CLONE_PARENT_SETTID:
        tail.append("parent_tid=" + (ptr(c.args[2]) if failed(c) else _tid_at(c, c.args[2])))
    if fl & CLONE_SETTLS:
        tail.append(f"tls={ptr(c.args[4])}")
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        tail.append(f"child_tidptr={ptr(c.args[3])}")
    return tail


def _has_tail(c: Call) -> bool:
    return bool(c.args[0] & (CLONE_PARENT_SETTID | CLONE_SETTLS | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))


def _clone_enter(c: Call) -> list[str]:
    """child_stack and flags at entry; the pointers after them print at exit (parent_tid is filled)."""
    return [f"child_stack={ptr(c.args[1])}", f"flags={clone_flags_text(c.args[0])}"]


_CLONE_ARGS = "<11Q"


def _clone_args_text(c: Call, got: tuple[int, ...]) -> str:
    fl, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup = got
    parts = [f"flags={CLONE_FLAGS.flags(fl)}"]
    if fl & CLONE_PIDFD:
        parts.append(f"pidfd={ptr(pidfd)}")
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        parts.append(f"child_tid={ptr(child_tid)}")
    if fl & CLONE_PARENT_SETTID:
        parts.append(f"parent_tid={ptr(parent_tid)}")
    parts.append(f"exit_signal={signal_name(exit_signal) if exit_signal else 0}")
    parts.append(f"stack={ptr(stack)}")
    parts.append(f"stack_size={hexnum(stack_size)}")
    if fl & CLONE_SETTLS:
        parts.append(f"tls={ptr(tls)}")
    if set_tid_size:
        parts.append(f"set_tid={ptr(set_tid)}, set_tid_size={set_tid_size}")
    if fl & CLONE_INTO_CGROUP:
        parts.append(f"cgroup={cgroup}")
    return "{" + ", ".join(parts) + "}"


def _clone3_fills(c: Call) -> bool:
    got = read_struct(c, c.args[0], _CLONE_ARGS) if c.args[1] >= 88 else None
    return got is not None and bool(got[0] & (CLONE_PARENT_SETTID | CLONE_PIDFD))


def _clone3_enter(c: Call) -> list[str]:
    """The struct at entry; the size too, unless the kernel fills parts of the struct."""
    got = read_struct(c, c.args[0], _CLONE_ARGS)
    pieces = [ptr(c.args[0]) if got is None else _clone_args_text(c, got)]
    return pieces if _clone3_fills(c) else [*pieces, str(c.args[1])]


def _clone3_exit(c: Call) -> list[str]:
    """What the kernel filled, glued to the struct (' => {parent_tid=[N]}'), then the size."""
    size = str(c.args[1])
    got = read_struct(c, c.args[0], _CLONE_ARGS)
    text = ""
    if got is not None and not failed(c):
        filled = []
        if got[0] & CLONE_PIDFD:
            filled.append(f"pidfd={_tid_at(c, got[1])}")
        if got[0] & CLONE_PARENT_SETTID:
            filled.append(f"parent_tid={_tid_at(c, got[3])}")
        text += " => {" + ", ".join(filled) + "}"
    return [text, size]


# ---- wait -----------------------------------------------------------------------------------


def wait_status_text(status: int) -> str:
    """A wait status as strace prints it: ``[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]``."""
    status &= 0xFFFFFFFF
    low = status & 0x7F
    if status & 0xFF == 0x7F:
        stopsig = status >> 8 & 0xFF
        text = f"{{WIFSTOPPED(s) && WSTOPSIG(s) == {signal_name(stopsig & 0x7F)}"
        text += " | 0x80}" if stopsig & 0x80 else "}"
        rest = status & ~0xFFFF
    elif status == 0xFFFF:
        text, rest = "{WIFCONTINUED(s)}", 0
    elif low:
        core = " && WCOREDUMP(s)" if status & 0x80 else ""
        text = f"{{WIFSIGNALED(s) && WTERMSIG(s) == {signal_name(low)}{core}}}"
        rest = status & ~0xFF
    else:
        text = f"{{WIFEXITED(s) && WEXITSTATUS(s) == {status >> 8 & 0xFF}}}"
        rest = status & ~0xFF00
    return f"[{text} | {rest:#x}]" if rest else f"[{text}]"


def WSTATUS(c: Call, i: int) -> str:
    """wait4's status: written only when a child was reaped (a positive return)."""
    if failed(c) or c.retval == 0:
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<i")
    return ptr(c.args[i]) if got is None else wait_status_text(got[0])


def RUSAGE(c: Call, i: int) -> str:
    addr = c.args[i]
    if addr == 0 or failed(c):
        return ptr(addr)
    ut, st = timeval_at(c, addr), timeval_at(c, addr + 16)
    if ut.startswith("0x") or st.startswith("0x"):
        return ptr(addr)
    return f"{{ru_utime={ut}, ru_stime={st}, ...}}"


def _wait_options(c: Call, i: int) -> str:
    return WAIT_OPTIONS.flags(c.args[i] & 0xFFFFFFFF)


# ---- limits and system information -----------------------------------------------------------


def rlim_text(v: int) -> str:
    """One rlimit value: ``RLIM64_INFINITY``, ``8192*1024``, ``20000``."""
    if v == RLIM64_INFINITY:
        return "RLIM64_INFINITY"
    if v and v % 1024 == 0:
        return f"{v // 1024}*1024"
    return str(v)


def rlimit_at(c: Call, addr: int, infinity: str = "RLIM64_INFINITY") -> str:
    if addr == 0:
        return "NULL"
    got = read_struct(c, addr, "<QQ")
    if got is None:
        return ptr(addr)
    cur, mx = (rlim_text(v).replace("RLIM64_INFINITY", infinity) for v in got)
    return f"{{rlim_cur={cur}, rlim_max={mx}}}"


def RLIMIT(c: Call, i: int) -> str:
    return rlimit_at(c, c.args[i])


def OUT_RLIMIT(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else rlimit_at(c, c.args[i])


def OUT_RLIMIT_OLD(c: Call, i: int) -> str:
    return ptr(c.args[i]) if failed(c) else rlimit_at(c, c.args[i], "RLIM_INFINITY")


def UTSNAME(c: Call, i: int) -> str:
    if failed(c):
        return ptr(c.args[i])
    data = c.mem.read(c.args[i], 65 * 2)
    if data is None or len(data) < 130:
        return ptr(c.args[i])
    sysname, nodename = (data[k:k + 65].split(b"\0", 1)[0] for k in (0, 65))
    return f"{{sysname={quote(sysname)}, nodename={quote(nodename)}, ...}}"


def SYSINFO(c: Call, i: int) -> str:
    if failed(c):
        return ptr(c.args[i])
    got = read_struct(c, c.args[i], "<q3Q6QH6xQQI")
    if got is None:
        return ptr(c.args[i])
    (uptime, l1, l2, l3, total, free, shared, buf, tswap, fswap, procs, thigh, fhigh, unit) = got
    return (f"{{uptime={uptime}, loads=[{l1}, {l2}, {l3}], totalram={total}, freeram={free}, "
            f"sharedram={shared}, bufferram={buf}, totalswap={tswap}, freeswap={fswap}, procs={procs}, "
            f"totalhigh={thigh}, freehigh={fhigh}, mem_unit={unit}}}")


def RANDOM(c: Call, i: int) -> str:
    """getrandom's buffer: the bytes the kernel wrote, every one in hex."""
    if failed(c):
        return ptr(c.args[i])
    return buffer(c, c.args[i], c.retval, force_hex=True)


def CPUSET(c: Call, i: int) -> str:
    """sched_getaffinity's mask: the CPUs set in the ``retval`` bytes written (``[0 1]``)."""
    if failed(c):
        return ptr(c.args[i])
    data = c.mem.read(c.args[i], c.retval)
    if data is None:
        return ptr(c.args[i])
    mask = int.from_bytes(data, "little")
    return "[" + " ".join(str(b) for b in range(len(data) * 8) if mask >> b & 1) + "]"


_NO_ARGS = ("getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getpgrp",
            "setsid", "fork", "vfork", "sync", "munlockall", "vhangup")

DECODERS: dict[str, Decoder] = {
    **{name: sig() for name in _NO_ARGS},
    "execve": sig(PATH, ARGV, ENVP),
    "execveat": sig(DIRFD, PATH, ARGV, ENVP, flags(AT_FLAGS, width=32)),
    "exit": Decoder(lambda c: [INT(c, 0)], ret=ret_none, never_returns=True),
    "exit_group": Decoder(lambda c: [INT(c, 0)], ret=ret_none, never_returns=True),
    "clone": Decoder(_clone_enter, _clone_tail, has_exit=_has_tail, joint="exit"),
    "clone3": Decoder(_clone3_enter, _clone3_exit, has_exit=_clone3_fills, joint="glue"),
    "wait4": sig(INT, out(WSTATUS), _wait_options, RUSAGE),
    "arch_prctl": sig(const(ARCH_PRCTL), HEX),
    "set_tid_address": sig(PTR),
    "set_robust_list": sig(PTR, ULONG),
    "rseq": sig(PTR, HEX, HEX, HEX),
    "prlimit64": sig(INT, const(RLIMITS), RLIMIT, out(OUT_RLIMIT)),
    "getrlimit": sig(const(RLIMITS), out(OUT_RLIMIT_OLD)),
    "setrlimit": sig(const(RLIMITS), lambda c, i: rlimit_at(c, c.args[i], "RLIM_INFINITY")),
    "uname": sig(out(UTSNAME)),
    "sysinfo": sig(out(SYSINFO)),
    "getrandom": sig(out(RANDOM), ULONG, flags(GETRANDOM_FLAGS, width=32)),
    "sched_getaffinity": sig(INT, ULONG, out(CPUSET)),
    "getpriority": sig(const(PRIO_WHICH), INT),
    "setpriority": sig(const(PRIO_WHICH), INT, INT),
    "setpgid": sig(INT, INT),
    "getpgid": sig(INT),
    "getsid": sig(INT),
    "setuid": sig(INT),
    "setgid": sig(INT),
    "getresuid": sig(out(OUT_INT), OUT_INT, OUT_INT),
    "getresgid": sig(out(OUT_INT), OUT_INT, OUT_INT),
}
