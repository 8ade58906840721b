"""Decoders for processes: exec, exit, clone, wait, limits, identity, system information."""

from __future__ import annotations

from ...arch.abi import Abi
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
    noted_flags,
    noted_value,
    out,
    ret_none,
    sig,
)
from ..format import ptr, quote
from ..xlat import styled, xlat_style
from ..xlat.fs import AT_FLAGS
from ..xlat.process import (
    ARCH_PRCTL,
    CLONE_FLAGS,
    GETRANDOM_FLAGS,
    PRIO_WHICH,
    PTRACE_EVENTS,
    RLIMITS,
    WAIT_OPTIONS,
)
from ..xlat.task import ID_TYPES
from .common import failed, read_struct, signal_name, struct_at
from .signal import siginfo_text

CLONE_PARENT_SETTID = 0x00100000
CLONE_CHILD_SETTID = 0x01000000
CLONE_CHILD_CLEARTID = 0x00200000
CLONE_SETTLS = 0x00080000
CLONE_PIDFD = 0x00001000
CLONE_INTO_CGROUP = 0x200000000
RLIM64_INFINITY = 0xFFFFFFFFFFFFFFFF


_MAX_STRINGS = 1 << 16  # elements read from an argv or envp array at most

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


def _strings(c: Call, addr: int, limit: int) -> str:
    """A NULL-terminated array of strings: each cut at -s, at most ``limit`` of them, then ``...``."""
    if addr == 0:
        return "NULL"
    items = _pointers(c, addr, limit + 1)
    if items is None:
        return ptr(addr)
    texts = [STR_AT(c, p) for p in items[:limit]]
    if len(items) > limit:
        texts.append("...")
    return "[" + ", ".join(texts) + "]"


def ARGV(c: Call, i: int) -> str:
    """An argv array: at most -s elements, every one under -v."""
    return _strings(c, c.args[i], c.opts.string_limit if c.opts.abbrev else _MAX_STRINGS)


def STR_AT(c: Call, addr: int) -> str:
    """A string at ``addr``, cut at -s."""
    return cstring(c, addr, c.opts.string_limit)


def ENVP(c: Call, i: int) -> str:
    """An environment, abbreviated as strace does (``0x7ffe... /* 35 vars */``); under -v every string."""
    addr = c.args[i]
    if addr == 0:
        return "NULL"
    if not c.opts.verbose:
        return ptr(addr)
    if not c.opts.abbrev:
        return _strings(c, addr, _MAX_STRINGS)
    items = _pointers(c, addr, _MAX_STRINGS)
    if items is None:
        return ptr(addr)
    return f"{ptr(addr)} /* {len(items)} {'var' if len(items) == 1 else 'vars'} */"


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


def _clone_tail(c: Call, arg: dict[str, int]) -> list[str]:
    """What clone's flags say the kernel used, named after the registers ``arg`` maps them to."""
    fl = c.args[0]
    tail = []
    if fl & CLONE_PARENT_SETTID:
        ptid = c.args[arg["parent_tid"]]
        tail.append("parent_tid=" + (ptr(ptid) if failed(c) else _tid_at(c, ptid)))
    if fl & CLONE_SETTLS:
        tail.append(f"tls={ptr(c.args[arg['tls']])}")
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        tail.append(f"child_tidptr={ptr(c.args[arg['child_tid']])}")
    return tail


def _has_tail(c: Call) -> bool:
    return bool(c.args[0] & (CLONE_PARENT_SETTID | CLONE_SETTLS | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))


def _clone(abi: Abi) -> Decoder:
    """child_stack and flags at entry; the pointers after them print at exit (parent_tid is filled).

    The registers holding tls and child_tid are swapped on CLONE_BACKWARDS arches (arm64).
    """
    arg = {name: k for k, name in enumerate(abi.clone_args)}

    def enter(c: Call) -> list[str]:
        return [f"child_stack={ptr(c.args[arg['stack']])}", f"flags={clone_flags_text(c.args[arg['flags']])}"]

    return Decoder(enter, lambda c: _clone_tail(c, arg), has_exit=_has_tail, joint="exit")


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


# ---- wait ----------------------------------------------------------------------------------


def wait_status_text(status: int) -> str:
    """A wait status as strace prints it: ``[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`` (names under any -X)."""
    with xlat_style("abbrev"):
        return _wait_status_text(status & 0xFFFFFFFF)


def _wait_status_text(status: int) -> str:
    low = status & 0x7F
    if status & 0xFF == 0x7F:
        stopsig = status >> 8 & 0xFF
        text = f"{{WIFSTOPPED(s) && WSTOPSIG(s) == {signal_name(stopsig & 0x7F)}"
        text += " | 0x80}" if stopsig & 0x80 else "}"
        event = PTRACE_EVENTS.name(status >> 16)
        if event is not None:
            return f"[{text}|{event}<<16]"
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


_RUSAGE_LONGS = ("ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt", "ru_nswap",
                 "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw")


def rusage_at(c: Call, addr: int) -> str:
    """A struct rusage: the two times, then ``...`` or, under -v, every counter."""

    def render(t: tuple[int, ...]) -> str:
        times = f"ru_utime={{tv_sec={t[0]}, tv_usec={t[1]}}}, ru_stime={{tv_sec={t[2]}, tv_usec={t[3]}}}"
        if c.opts.abbrev:
            return f"{{{times}, ...}}"
        counters = ", ".join(f"{name}={v}" for name, v in zip(_RUSAGE_LONGS, t[4:], strict=True))
        return f"{{{times}, {counters}}}"

    return struct_at(c, addr, "<4q14q", render)


def OUT_RUSAGE(c: Call, i: int) -> str:
    """A struct rusage the kernel filled (getrusage, waitid)."""
    return ptr(c.args[i]) if failed(c) else rusage_at(c, c.args[i])


def WAIT4_RUSAGE(c: Call, i: int) -> str:
    """wait4's rusage: filled only when a child was reaped."""
    return ptr(c.args[i]) if failed(c) or c.retval == 0 else rusage_at(c, c.args[i])


def WAITID_SIGINFO(c: Call, i: int) -> str:
    """waitid's siginfo: ``{}`` when no child was ready (WNOHANG), else the child's state."""
    if failed(c) or not c.args[i]:
        return ptr(c.args[i])
    data = c.mem.read(c.args[i], 128)
    if data is None or len(data) < 128:
        return ptr(c.args[i])
    return "{}" if data[:4] == bytes(4) else siginfo_text(data)


# ---- limits and system information -----------------------------------------------------------


def rlim_text(v: int) -> str:
    """One rlimit value: ``RLIM64_INFINITY``, ``8192*1024``, ``20000``."""
    if v == RLIM64_INFINITY:
        return styled(str(v), "RLIM64_INFINITY")
    if v and v % 1024 == 0:
        return styled(str(v), f"{v // 1024}*1024")
    return str(v)


def rlimit_at(c: Call, addr: int) -> str:
    """A struct rlimit (64-bit fields on x86_64 and aarch64 alike, so RLIM64_INFINITY)."""
    return struct_at(c, addr, "<QQ", lambda t: f"{{rlim_cur={rlim_text(t[0])}, rlim_max={rlim_text(t[1])}}}")


def RLIMIT(c: Call, i: int) -> str:
    """A struct rlimit the caller filled."""
    return rlimit_at(c, c.args[i])


def OUT_RLIMIT(c: Call, i: int) -> str:
    """A struct rlimit the kernel filled, the pointer if the call failed."""
    return ptr(c.args[i]) if failed(c) else rlimit_at(c, c.args[i])


_UTS_FIELDS = ("sysname", "nodename", "release", "version", "machine", "domainname")


def UTSNAME(c: Call, i: int) -> str:
    """struct utsname: sysname and nodename, every field under -v; never cut by -s."""
    if failed(c):
        return ptr(c.args[i])
    shown = 2 if c.opts.abbrev else len(_UTS_FIELDS)
    data = c.mem.read(c.args[i], 65 * shown)
    if data is None or len(data) < 65 * shown:
        return ptr(c.args[i])
    values = (data[65 * k:65 * k + 65].split(b"\0", 1)[0] for k in range(shown))
    fields = [f"{name}={quote(v)}" for name, v in zip(_UTS_FIELDS, values, strict=False)]
    return "{" + ", ".join(fields) + (", ...}" if c.opts.abbrev else "}")


def SYSINFO(c: Call, i: int) -> str:
    """A struct sysinfo, every member."""
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


_NO_ARGS = ("getpid", "getppid", "gettid", "getpgrp", "setsid", "fork", "vfork", "sync", "munlockall",
            "vhangup")
_RLIMIT = noted_value(RLIMITS, "RLIMIT_???")
_PRIO_WHICH = noted_value(PRIO_WHICH, "PRIO_???")
_WAIT_OPTIONS = noted_flags(WAIT_OPTIONS, "W???")

DECODERS: dict[str, Decoder] = {
    **{name: sig() for name in _NO_ARGS},
    "execve": sig(PATH, ARGV, ENVP),
    "execveat": sig(DIRFD, PATH, ARGV, ENVP, flags(AT_FLAGS, width=32)),
    "exit": Decoder(lambda c: [INT(c, 0)], ret=ret_none, never_returns=True),
    "exit_group": Decoder(lambda c: [INT(c, 0)], ret=ret_none, never_returns=True),
    "clone3": Decoder(_clone3_enter, _clone3_exit, has_exit=_clone3_fills, joint="glue"),
    "wait4": sig(INT, out(WSTATUS), _WAIT_OPTIONS, WAIT4_RUSAGE),
    "waitid": sig(noted_value(ID_TYPES, "P_???"), INT, out(WAITID_SIGINFO), _WAIT_OPTIONS, OUT_RUSAGE),
    "arch_prctl": sig(const(ARCH_PRCTL), HEX),
    "set_tid_address": sig(PTR),
    "set_robust_list": sig(PTR, ULONG),
    "rseq": sig(PTR, HEX, HEX, HEX),
    "prlimit64": sig(INT, _RLIMIT, RLIMIT, out(OUT_RLIMIT)),
    "getrlimit": sig(_RLIMIT, out(OUT_RLIMIT)),
    "setrlimit": sig(_RLIMIT, RLIMIT),
    "uname": sig(out(UTSNAME)),
    "sysinfo": sig(out(SYSINFO)),
    "getrandom": sig(out(RANDOM), ULONG, noted_flags(GETRANDOM_FLAGS, "GRND_???")),
    "getpriority": sig(_PRIO_WHICH, INT),
    "setpriority": sig(_PRIO_WHICH, INT, INT),
    "setpgid": sig(INT, INT),
    "getpgid": sig(INT),
    "getsid": sig(INT),
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """clone, whose argument order is the architecture's."""
    return {"clone": _clone(abi)}
