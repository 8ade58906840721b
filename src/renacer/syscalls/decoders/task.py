"""Decoders for process control and identity: uid/gid, capabilities, sched_*, rusage, namespaces...

prctl and ptrace live in their own modules (one concept each); prctl is merged in here, ptrace
is built per Abi (its arch requests and struct user differ).
"""

from __future__ import annotations

from ..base import (
    FD,
    INT,
    UINT,
    Call,
    Decoder,
    hexnum,
    noted_flags,
    noted_flags_text,
    noted_value,
    noted_value_text,
    out,
    sig,
)
from ..format import ptr
from ..xlat.process import CLONE_FLAGS
from ..xlat.task import (
    CAP_BITS_HIGH,
    CAP_BITS_LOW,
    CAP_VERSIONS,
    NS_TYPES,
    PERSONALITY_FLAGS,
    PERSONALITY_TYPES,
    RUSAGE_WHO,
    SCHED_FLAGS,
    SCHED_POLICIES,
)
from . import prctl
from .common import OUT_INT, OUT_TIMESPEC, failed, read_struct, struct_at
from .process import OUT_RUSAGE

NGROUPS_MAX = 65536

# ---- uids, gids and groups ------------------------------------------------------------------


def uid_text(v: int) -> str:
    """A uid_t or gid_t: ``-1`` for (uid_t)-1, else unsigned."""
    v &= 0xFFFFFFFF
    return "-1" if v == 0xFFFFFFFF else str(v)


def UID(c: Call, i: int) -> str:
    """A uid_t or gid_t argument."""
    return uid_text(c.args[i])


def OUT_UID(c: Call, i: int) -> str:
    """A uid the kernel wrote back (getresuid): ``[0]``."""
    return ptr(c.args[i]) if failed(c) else struct_at(c, c.args[i], "<I", lambda t: f"[{uid_text(t[0])}]")


def ret_uid(c: Call) -> str:
    """A uid or gid result, unsigned."""
    return uid_text(c.retval)


def gid_list(c: Call, addr: int, count: int) -> str:
    """``count`` gids at ``addr``: ``[0, 1, 2]``, cut to -s elements with ``...`` (all under -v)."""
    if addr == 0:
        return "NULL"
    shown = min(count, c.opts.string_limit) if c.opts.abbrev else count
    got = read_struct(c, addr, f"<{shown}I") if shown else ()
    if got is None:
        return ptr(addr)
    items = [uid_text(g) for g in got] + (["..."] if count > shown else [])
    return "[" + ", ".join(items) + "]"


def GROUPS(c: Call, i: int) -> str:
    """setgroups' list, its length in the argument before it."""
    count = c.args[i - 1] & 0xFFFFFFFF
    if count > NGROUPS_MAX and c.args[i]:
        return ptr(c.args[i])
    return gid_list(c, c.args[i], count)


def OUT_GROUPS(c: Call, i: int) -> str:
    """getgroups' list: as many gids as it returned."""
    return ptr(c.args[i]) if failed(c) else gid_list(c, c.args[i], c.retval)


# ---- capabilities ---------------------------------------------------------------------------

_CAP_V1 = 0x19980330


def _cap_header(t: tuple[int, ...]) -> str:
    version = noted_value_text(CAP_VERSIONS, t[0], "_LINUX_CAPABILITY_VERSION_???")
    return f"{{version={version}, pid={t[1]}}}"


def CAP_HEADER(c: Call, i: int) -> str:
    """capget/capset's header: ``{version=_LINUX_CAPABILITY_VERSION_3, pid=0}``."""
    return struct_at(c, c.args[i], "<Ii", _cap_header)


def cap_set_text(low: int, high: int) -> str:
    """One capability set, a 32-bit word at a time: ``1<<CAP_CHOWN|1<<CAP_KILL``, ``0``."""
    parts = []
    if low:
        parts.append(CAP_BITS_LOW.flags(low))
    if high:
        parts.append(noted_flags_text(CAP_BITS_HIGH, high, "CAP_???"))
    return "|".join(parts) or "0"


def cap_data_at(c: Call, addr: int) -> str:
    """The data array of capget/capset: one struct for version 1 (or unknown), two otherwise."""
    if addr == 0:
        return "NULL"
    header = read_struct(c, c.args[0], "<I")
    if header is None:
        return ptr(addr)
    known_wide = CAP_VERSIONS.name(header[0]) is not None and header[0] != _CAP_V1
    words = read_struct(c, addr, "<6I" if known_wide else "<3I")
    if words is None:
        return ptr(addr)
    high = words[3:] if known_wide else (0, 0, 0)
    sets = [cap_set_text(words[k], high[k]) for k in range(3)]
    return f"{{effective={sets[0]}, permitted={sets[1]}, inheritable={sets[2]}}}"


def CAP_DATA(c: Call, i: int) -> str:
    """capset's capability sets, read at entry."""
    return cap_data_at(c, c.args[i])


def OUT_CAP_DATA(c: Call, i: int) -> str:
    """capget's capability sets, the pointer if the call failed."""
    return ptr(c.args[i]) if failed(c) else cap_data_at(c, c.args[i])


# ---- scheduling -----------------------------------------------------------------------------

_POLICY = noted_value(SCHED_POLICIES, "SCHED_???")


def cpu_mask_at(c: Call, addr: int, size: int) -> str:
    """A CPU mask of ``size`` bytes: the CPUs set (``[0 1]``); never cut by -s."""
    if addr == 0:
        return "NULL"
    data = c.mem.read(addr, size) if size else b""
    if data is None or len(data) < size:
        return ptr(addr)
    mask = int.from_bytes(data, "little")
    return "[" + " ".join(str(b) for b in range(size * 8) if mask >> b & 1) + "]"


def CPU_MASK(c: Call, i: int) -> str:
    """sched_setaffinity's mask, its size in the argument before it."""
    return cpu_mask_at(c, c.args[i], c.args[i - 1] & 0xFFFFFFFF)


def OUT_CPU_MASK(c: Call, i: int) -> str:
    """sched_getaffinity's mask: the ``retval`` bytes the kernel wrote."""
    return ptr(c.args[i]) if failed(c) else cpu_mask_at(c, c.args[i], c.retval)


def SCHED_PARAM(c: Call, i: int) -> str:
    """A struct sched_param: ``[0]``."""
    return struct_at(c, c.args[i], "<i", lambda t: f"[{t[0]}]")


def OUT_SCHED_PARAM(c: Call, i: int) -> str:
    """sched_getparam's struct sched_param, the pointer if the call failed."""
    return ptr(c.args[i]) if failed(c) else SCHED_PARAM(c, i)


def ret_policy(c: Call) -> str:
    """sched_getscheduler's result: ``0 (SCHED_OTHER)``; a policy with flags as a number."""
    name = SCHED_POLICIES.name(c.retval)
    return f"{c.retval} ({name})" if name is not None else str(c.retval)


SCHED_ATTR_SIZE_VER0, SCHED_ATTR_SIZE_VER1 = 48, 56
SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS = 0x08, 0x10


def sched_attr_at(c: Call, addr: int) -> str:
    """A struct sched_attr as big as its own size field says; what the flags keep is left out."""
    if addr == 0:
        return "NULL"
    head = read_struct(c, addr, "<I")
    if head is None:
        return ptr(addr)
    size = head[0]
    if 0 < size < SCHED_ATTR_SIZE_VER0:
        return f"{{size={size}}}"
    wide = size >= SCHED_ATTR_SIZE_VER1
    got = read_struct(c, addr, "<IIQiIQQQII" if wide else "<IIQiIQQQ")
    if got is None:
        return ptr(addr)
    parts = [f"size={size}"]
    fl = got[2]
    if not fl & (SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_KEEP_PARAMS):  # keeping the params keeps the policy
        parts.append(f"sched_policy={noted_value_text(SCHED_POLICIES, got[1], 'SCHED_???')}")
    parts.append(f"sched_flags={noted_flags_text(SCHED_FLAGS, fl, 'SCHED_FLAG_???')}")
    if not fl & SCHED_FLAG_KEEP_PARAMS:
        parts += [f"sched_nice={got[3]}", f"sched_priority={got[4]}", f"sched_runtime={got[5]}",
                  f"sched_deadline={got[6]}", f"sched_period={got[7]}"]
    if wide:
        parts += [f"sched_util_min={got[8]}", f"sched_util_max={got[9]}"]
    if size > SCHED_ATTR_SIZE_VER1:
        parts.append("...")
    return "{" + ", ".join(parts) + "}"


def SCHED_ATTR(c: Call, i: int) -> str:
    """sched_setattr's struct sched_attr, read at entry."""
    return sched_attr_at(c, c.args[i])


def OUT_SCHED_ATTR(c: Call, i: int) -> str:
    """sched_getattr's struct sched_attr, the pointer if the call failed."""
    return ptr(c.args[i]) if failed(c) else sched_attr_at(c, c.args[i])


E2BIG = 7


def _setattr_exit(c: Call) -> list[str]:
    """On E2BIG the kernel wrote the size it supports back: `` => {size=56}``, glued to the struct."""
    size = read_struct(c, c.args[1], "<I") if c.error == E2BIG and c.opts.verbose else None
    return ["" if size is None else f" => {{size={size[0]}}}", UINT(c, 2)]


# ---- personality, namespaces, usage (times is in the time family) ----------------------------


def personality_text(v: int) -> str:
    """``PER_LINUX|ADDR_NO_RANDOMIZE``: the execution domain in the low byte, then the flags."""
    parts = [noted_value_text(PERSONALITY_TYPES, v & 0xFF, "PER_???")]
    if v & ~0xFF:
        parts.append(PERSONALITY_FLAGS.flags(v & ~0xFF))
    return "|".join(parts)


def PERSONA(c: Call, i: int) -> str:
    """personality's argument: ``0xffffffff`` (the query) or the persona."""
    v = c.args[i] & 0xFFFFFFFF
    return "0xffffffff" if v == 0xFFFFFFFF else personality_text(v)  # the query changes nothing


def ret_persona(c: Call) -> str:
    """personality's result, the previous persona: ``0x40000 (PER_LINUX|ADDR_NO_RANDOMIZE)``."""
    v = c.retval & 0xFFFFFFFF
    return f"{hexnum(v)} ({personality_text(v)})"


_GETTERS = ("getuid", "geteuid", "getgid", "getegid")

DECODERS: dict[str, Decoder] = {
    **{name: sig(ret=ret_uid) for name in _GETTERS},
    "setuid": sig(UID),
    "setgid": sig(UID),
    "setfsuid": sig(UID, ret=ret_uid),
    "setfsgid": sig(UID, ret=ret_uid),
    "setreuid": sig(UID, UID),
    "setregid": sig(UID, UID),
    "setresuid": sig(UID, UID, UID),
    "setresgid": sig(UID, UID, UID),
    "getresuid": sig(out(OUT_UID), OUT_UID, OUT_UID),
    "getresgid": sig(out(OUT_UID), OUT_UID, OUT_UID),
    "getgroups": sig(INT, out(OUT_GROUPS)),
    "setgroups": sig(INT, GROUPS),
    "capget": sig(CAP_HEADER, out(OUT_CAP_DATA)),
    "capset": sig(CAP_HEADER, CAP_DATA),
    "sched_getaffinity": sig(INT, UINT, out(OUT_CPU_MASK)),
    "sched_setaffinity": sig(INT, UINT, CPU_MASK),
    "sched_getscheduler": sig(INT, ret=ret_policy),
    "sched_setscheduler": sig(INT, _POLICY, SCHED_PARAM),
    "sched_getparam": sig(INT, out(OUT_SCHED_PARAM)),
    "sched_setparam": sig(INT, SCHED_PARAM),
    "sched_get_priority_max": sig(_POLICY),
    "sched_get_priority_min": sig(_POLICY),
    "sched_rr_get_interval": sig(INT, out(OUT_TIMESPEC)),
    "sched_getattr": sig(INT, out(OUT_SCHED_ATTR), UINT, UINT),
    "sched_setattr": Decoder(lambda c: [INT(c, 0), SCHED_ATTR(c, 1)], _setattr_exit, joint="glue"),
    "getcpu": sig(out(OUT_INT), OUT_INT, lambda c, i: ptr(c.args[i])),
    "personality": sig(PERSONA, ret=ret_persona),
    "unshare": sig(noted_flags(CLONE_FLAGS, "CLONE_???", width=64)),
    "setns": sig(FD, noted_flags(NS_TYPES, "CLONE_NEW???")),
    "getrusage": sig(noted_value(RUSAGE_WHO, "RUSAGE_???"), out(OUT_RUSAGE)),
    **prctl.DECODERS,
}
