"""Decoders for the system-wide calls: syslog, reboot, seccomp, bpf, perf_event_open, io_uring."""

from __future__ import annotations

from ..base import (
    FD,
    INT,
    OUTBUF,
    PTR,
    STR,
    UINT,
    ULONG,
    Call,
    Decoder,
    fd_text,
    hexnum,
    noted_flags,
    noted_flags_text,
    noted_value,
    noted_value_text,
    ret_fd,
    sig,
)
from ..format import ptr, s32
from ..xlat.misc import (
    IORING_ENTER_FLAGS,
    IORING_FEATURES,
    IORING_REGISTER_OPS,
    IORING_SETUP_ATTACH_WQ,
    IORING_SETUP_FLAGS,
    LOG_LEVELS,
    REBOOT_CMD_RESTART2,
    REBOOT_CMDS,
    REBOOT_MAGIC1,
    REBOOT_MAGIC2,
    SECCOMP_FILTER_FLAGS,
    SECCOMP_GET_ACTION_AVAIL,
    SECCOMP_GET_NOTIF_SIZES,
    SECCOMP_OPS,
    SECCOMP_SET_MODE_FILTER,
    SYSLOG_ACTIONS,
    SYSLOG_CONSOLE_LEVEL,
    SYSLOG_READS,
)
from . import bpf, perf
from .arrays import array_at
from .bpf_insn import classic_insn, seccomp_action
from .common import failed, read_struct, sigset_at, struct_at

SIGSET_SIZE = 8  # the kernel's sigset_t

# ---- syslog --------------------------------------------------------------------------------


def _commented(value: int, name: str | None, unknown: str) -> str:
    """strace's syslog style: the number, its name in a comment (``10 /* SYSLOG_ACTION_SIZE_BUFFER */``)."""
    return f"{value} /* {name or unknown} */"


def _syslog_enter(c: Call) -> list[str]:
    action = s32(c.args[0])
    pieces = [_commented(action, SYSLOG_ACTIONS.name(action), "SYSLOG_ACTION_???")]
    if action == SYSLOG_CONSOLE_LEVEL:
        level = s32(c.args[2])
        return [*pieces, PTR(c, 1), _commented(level, LOG_LEVELS.name(level), "LOGLEVEL_???")]
    if SYSLOG_ACTIONS.name(action) is None:
        return [*pieces, PTR(c, 1), INT(c, 2)]
    return pieces


def _syslog_exit(c: Call) -> list[str]:
    """The buffer a read action filled, then its length."""
    return [OUTBUF(c, 1), INT(c, 2)]


SYSLOG = Decoder(_syslog_enter, _syslog_exit, has_exit=lambda c: s32(c.args[0]) in SYSLOG_READS)


# ---- reboot --------------------------------------------------------------------------------


def _reboot_enter(c: Call) -> list[str]:
    cmd = c.args[2] & 0xFFFFFFFF
    pieces = [
        noted_value_text(REBOOT_MAGIC1, c.args[0] & 0xFFFFFFFF, "LINUX_REBOOT_MAGIC_???"),
        noted_value_text(REBOOT_MAGIC2, c.args[1] & 0xFFFFFFFF, "LINUX_REBOOT_MAGIC_???"),
        noted_value_text(REBOOT_CMDS, cmd, "LINUX_REBOOT_CMD_???"),
    ]
    return [*pieces, STR(c, 3)] if cmd == REBOOT_CMD_RESTART2 else pieces


# ---- seccomp -------------------------------------------------------------------------------


def _fprog(c: Call, addr: int) -> str:
    """A struct sock_fprog: ``{len=2, filter=0x...}``; under -v the instructions themselves."""
    def render(t: tuple[int, ...]) -> str:
        length, filt = t
        text = ptr(filt) if c.opts.abbrev else array_at(c, filt, length, "<HBBI", classic_insn)
        return f"{{len={length}, filter={text}}}"

    return struct_at(c, addr, "<H6xQ", render)


def _seccomp_enter(c: Call) -> list[str]:
    op, flags = c.args[0] & 0xFFFFFFFF, c.args[1] & 0xFFFFFFFF
    pieces = [noted_value_text(SECCOMP_OPS, op, "SECCOMP_SET_MODE_???")]
    if op == SECCOMP_SET_MODE_FILTER:
        flag_text = noted_flags_text(SECCOMP_FILTER_FLAGS, flags, "SECCOMP_FILTER_FLAG_???")
        return [*pieces, flag_text, _fprog(c, c.args[2])]
    pieces.append(hexnum(flags))
    if op == SECCOMP_GET_ACTION_AVAIL:
        return [*pieces, struct_at(c, c.args[2], "<I", lambda t: f"[{seccomp_action(t[0], exact=True)}]")]
    return pieces if op == SECCOMP_GET_NOTIF_SIZES else [*pieces, PTR(c, 2)]


def _notif_sizes(c: Call) -> list[str]:
    if failed(c):
        return [PTR(c, 2)]
    text = struct_at(c, c.args[2], "<HHH",
                     lambda t: f"{{seccomp_notif={t[0]}, seccomp_notif_resp={t[1]}, seccomp_data={t[2]}}}")
    return [text]


SECCOMP = Decoder(_seccomp_enter, _notif_sizes,
                  has_exit=lambda c: c.args[0] & 0xFFFFFFFF == SECCOMP_GET_NOTIF_SIZES)


# ---- io_uring ------------------------------------------------------------------------------

# struct io_uring_params: sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features,
# wq_fd, resv[3], then struct io_sqring_offsets and struct io_cqring_offsets (10 words each)
_PARAMS = "<10I" + "7IIQ" + "7IIQ"
_SQ_OFF = ("head", "tail", "ring_mask", "ring_entries", "flags", "dropped", "array")
_CQ_OFF = ("head", "tail", "ring_mask", "ring_entries", "overflow", "cqes", "flags")


def _offsets(names: tuple[str, ...], t: tuple[int, ...]) -> str:
    parts = [f"{n}={v}" for n, v in zip(names, t, strict=False)]
    parts += [f"{n}={hexnum(v)}" for n, v in (("resv1", t[7]), ("resv2", t[8])) if v]
    return "{" + ", ".join(parts) + "}"


def _params(c: Call) -> tuple[int, ...] | None:
    """struct io_uring_params, unless unreadable or -e verbose=none keeps it a pointer."""
    return read_struct(c, c.args[1], _PARAMS) if c.opts.verbose else None


def _uring_params_enter(c: Call) -> list[str]:
    """What the caller set: ``{flags=0, sq_thread_cpu=0, sq_thread_idle=0`` (closed at exit)."""
    t = _params(c)
    if t is None:
        return [UINT(c, 0), PTR(c, 1)]
    flags = noted_flags_text(IORING_SETUP_FLAGS, t[2], "IORING_SETUP_???")
    text = f"{{flags={flags}, sq_thread_cpu={hexnum(t[3])}, sq_thread_idle={t[4]}"
    if t[2] & IORING_SETUP_ATTACH_WQ:
        text += f", wq_fd={fd_text(c, s32(t[6]))}"
    if any(t[7:10]):
        text += ", resv=[" + ", ".join(hexnum(v) for v in t[7:10]) + "]"
    return [UINT(c, 0), text]


def _uring_params_exit(c: Call) -> list[str]:
    """What the kernel filled in, or just the closing brace when the call failed."""
    t = _params(c)
    if failed(c) or t is None:
        return ["}"]
    features = noted_flags_text(IORING_FEATURES, t[5], "IORING_FEAT_???")
    return [f", sq_entries={t[0]}, cq_entries={t[1]}, features={features}, "
            f"sq_off={_offsets(_SQ_OFF, t[10:19])}, cq_off={_offsets(_CQ_OFF, t[19:28])}}}"]


IO_URING_SETUP = Decoder(_uring_params_enter, _uring_params_exit, ret=ret_fd,
                         has_exit=lambda c: _params(c) is not None, joint="glue")


def _enter_arg(c: Call, i: int) -> str:
    """io_uring_enter's argument, shown as a signal mask whatever the flags, when its size is one's."""
    return sigset_at(c, c.args[i], SIGSET_SIZE) if c.args[5] == SIGSET_SIZE else ptr(c.args[i])


_IORING_ENTER = noted_flags(IORING_ENTER_FLAGS, "IORING_ENTER_???")

DECODERS: dict[str, Decoder] = {
    "syslog": SYSLOG,
    "reboot": Decoder(_reboot_enter),
    "seccomp": SECCOMP,
    "io_uring_setup": IO_URING_SETUP,
    "io_uring_enter": sig(FD, UINT, UINT, _IORING_ENTER, _enter_arg, ULONG),
    "io_uring_register": sig(FD, noted_value(IORING_REGISTER_OPS, "IORING_REGISTER_???"), PTR, UINT),
    **bpf.DECODERS,
    **perf.DECODERS,
}
