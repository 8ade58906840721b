"""Decoders for System V IPC (shm, sem, msg) and POSIX message queues."""

from __future__ import annotations

from collections.abc import Callable

from ...arch.abi import Abi, Layout
from ..base import (
    INT,
    PTR,
    ULONG,
    Call,
    Decoder,
    buffer,
    noted_flags_text,
    noted_value_text,
    out,
    ret_hex,
    sig,
)
from ..format import ptr, s64
from ..xlat import STYLE, Xlat, styled
from ..xlat.ipc import (
    IPC_64,
    IPC_GET_FLAGS,
    IPC_PRIVATE,
    MSG_FLAGS,
    MSGCTL_CMDS,
    SEMCTL_CMDS,
    SEMOP_FLAGS,
    SHM_HUGE_MASK,
    SHM_HUGE_SHIFT,
    SHMAT_FLAGS,
    SHMCTL_CMDS,
    SHMGET_FLAGS,
)
from . import mqueue
from .arrays import array_at, octal
from .common import TIMESPEC, failed, read_struct, struct_at

IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3

# ---- keys, flags, commands -----------------------------------------------------------------


def KEY(c: Call, i: int) -> str:
    """An IPC key: ``IPC_PRIVATE`` or hex."""
    key = c.args[i] & 0xFFFFFFFF
    return styled("0", "IPC_PRIVATE") if key == IPC_PRIVATE else f"{key:#x}"


def _huge_size(shift: int) -> str:
    """A huge page size in shmget's flags: ``21<<SHM_HUGE_SHIFT`` (under -X: ``21<<26``)."""
    style = STYLE.get()
    if style == "abbrev":
        return f"{shift}<<SHM_HUGE_SHIFT"
    raw = f"{shift}<<{SHM_HUGE_SHIFT}"
    return raw if style == "raw" else f"{raw} /* SHM_HUGE_SHIFT */"


def _get_flags(table: Xlat, huge: bool) -> Callable[[Call, int], str]:
    def fmt(c: Call, i: int) -> str:
        """``IPC_CREAT|IPC_EXCL|0x...|N<<SHM_HUGE_SHIFT|0600``: names, the rest, the mode."""
        v = c.args[i] & 0xFFFFFFFF
        parts = []
        rest = v & ~0o777
        if huge:
            shift, rest = rest >> SHM_HUGE_SHIFT & SHM_HUGE_MASK, rest & ~(SHM_HUGE_MASK << SHM_HUGE_SHIFT)
        if rest:
            parts.append(table.flags(rest))
        if huge and shift:
            parts.append(_huge_size(shift))
        parts.append(octal(v & 0o777))
        return "|".join(parts)

    return fmt


def _cmd_text(table: Xlat, cmd: int, unknown: str) -> str:
    """``IPC_STAT``, ``IPC_64|IPC_STAT``, ``0x55 /* SHM_??? */``."""
    prefix = styled(f"{IPC_64:#x}", "IPC_64") + "|" if cmd & IPC_64 else ""
    return prefix + noted_value_text(table, cmd & ~IPC_64, unknown)


def _cmd(c: Call, i: int) -> int:
    return c.args[i] & 0xFFFFFFFF & ~IPC_64


# ---- the structs ---------------------------------------------------------------------------

_PERM = "iIIIIIHH4xQQ"  # struct ipc64_perm: key, uid, gid, cuid, cgid, mode, seq, pad, unused
_SHMID_DS = "<" + _PERM + "QqqqiiQQQ"
_MSQID_DS = "<" + _PERM + "qqqQQQiiQQ"


def _id(v: int) -> int:
    """A uid or gid: -1 stays -1."""
    return -1 if v == 0xFFFFFFFF else v


def _perm(t: tuple[int, ...], full: bool) -> str:
    key, uid, gid, cuid, cgid, mode = t[:6]
    text = f"uid={_id(uid)}, gid={_id(gid)}, mode={octal(mode)}"
    if full:
        text += f", key={key}, cuid={_id(cuid)}, cgid={_id(cgid)}"
    return "{" + text + "}"


def _shmid_ds(t: tuple[int, ...]) -> str:
    segsz, atime, dtime, ctime, cpid, lpid, nattch = t[10:17]
    return (f"{{shm_perm={_perm(t, True)}, shm_segsz={segsz}, shm_cpid={cpid}, shm_lpid={lpid}, "
            f"shm_nattch={nattch}, shm_atime={atime}, shm_dtime={dtime}, shm_ctime={ctime}}}")


def _semid_ds(layout: Layout) -> Callable[[tuple[int, ...]], str]:
    """struct semid64_ds, its members after ipc64_perm read by the Abi's ``layout``."""

    def render(t: tuple[int, ...]) -> str:
        sem = dict(zip(layout.fields, t[10:], strict=True))
        return (f"{{sem_perm={_perm(t, True)}, sem_otime={sem['sem_otime']}, sem_ctime={sem['sem_ctime']}, "
                f"sem_nsems={sem['sem_nsems']}}}")

    return render


def _msqid_ds(t: tuple[int, ...]) -> str:
    stime, rtime, ctime, _, qnum, qbytes, lspid, lrpid = t[10:18]
    return (f"{{msg_perm={_perm(t, True)}, msg_stime={stime}, msg_rtime={rtime}, msg_ctime={ctime}, "
            f"msg_qnum={qnum}, msg_qbytes={qbytes}, msg_lspid={lspid}, msg_lrpid={lrpid}}}")


def _shminfo(t: tuple[int, ...]) -> str:
    return f"{{shmmax={t[0]}, shmmin={t[1]}, shmmni={t[2]}, shmseg={t[3]}, shmall={t[4]}}}"


def _shm_info(t: tuple[int, ...]) -> str:
    return (f"{{used_ids={t[0]}, shm_tot={t[1]}, shm_rss={t[2]}, shm_swp={t[3]}, "
            f"swap_attempts={t[4]}, swap_successes={t[5]}}}")


_SEMINFO_NAMES = ("semmap", "semmni", "semmns", "semmnu", "semmsl", "semopm", "semume", "semusz",
                  "semvmx", "semaem")
_MSGINFO_NAMES = ("msgpool", "msgmap", "msgmax", "msgmnb", "msgmni", "msgssz", "msgtql", "msgseg")


def _named_fields(names: tuple[str, ...]) -> Callable[[tuple[int, ...]], str]:
    return lambda t: "{" + ", ".join(f"{n}={v}" for n, v in zip(names, t, strict=False)) + "}"


Struct = tuple[str, Callable[[tuple[int, ...]], str]]  # (struct format, renderer)

_SHM_STAT: Struct = (_SHMID_DS, _shmid_ds)
_SHM_SET: Struct = (_SHMID_DS, lambda t: f"{{shm_perm={_perm(t, False)}}}")
_MSG_STAT: Struct = (_MSQID_DS, _msqid_ds)
_MSG_SET: Struct = (_MSQID_DS, lambda t: f"{{msg_perm={_perm(t, False)}, msg_qbytes={t[15]}}}")
_SHMINFO: Struct = ("<QQQQQ", _shminfo)
_SHM_INFO: Struct = ("<i4xQQQQQ", _shm_info)
_SEMINFO: Struct = ("<10i", _named_fields(_SEMINFO_NAMES))
_MSGINFO: Struct = ("<7iH", _named_fields(_MSGINFO_NAMES))


# ---- the *ctl calls: which argument is what depends on the command -------------------------


def _ctl(table: Xlat, unknown: str, cmd_arg: int, sets: dict[int, Struct],
         gets: dict[int, Struct]) -> Decoder:
    """shmctl/semctl/msgctl: the buffer prints at entry for a command that reads it (IPC_SET),
    at exit for one the kernel fills (IPC_STAT, IPC_INFO...), as a pointer otherwise."""
    buf = cmd_arg + 1

    def enter(c: Call) -> list[str]:
        cmd = _cmd(c, cmd_arg)
        pieces = [INT(c, k) for k in range(cmd_arg)]
        pieces.append(_cmd_text(table, c.args[cmd_arg] & 0xFFFFFFFF, unknown))
        if cmd in gets:
            return pieces
        shape = sets.get(cmd)
        text = struct_at(c, c.args[buf], *shape) if shape else ptr(c.args[buf])
        return [*pieces, text]

    def exit_(c: Call) -> list[str]:
        shape = gets[_cmd(c, cmd_arg)]
        return [ptr(c.args[buf]) if failed(c) else struct_at(c, c.args[buf], *shape)]

    return Decoder(enter, exit_, has_exit=lambda c: _cmd(c, cmd_arg) in gets)


SHMCTL = _ctl(SHMCTL_CMDS, "SHM_???", 1, {IPC_SET: _SHM_SET},
              {IPC_STAT: _SHM_STAT, 13: _SHM_STAT, 15: _SHM_STAT, IPC_INFO: _SHMINFO, 14: _SHM_INFO})


def _semctl(abi: Abi) -> Decoder:
    """semctl: as shmctl and msgctl, with struct semid64_ds in the Abi's layout."""
    fmt = "<" + _PERM + abi.semid_ds.fmt.removeprefix("<")
    stat: Struct = (fmt, _semid_ds(abi.semid_ds))
    set_: Struct = (fmt, lambda t: f"{{sem_perm={_perm(t, False)}}}")
    return _ctl(SEMCTL_CMDS, "SEM_???", 2, {IPC_SET: set_},
                {IPC_STAT: stat, 18: stat, 20: stat, IPC_INFO: _SEMINFO, 19: _SEMINFO})


MSGCTL = _ctl(MSGCTL_CMDS, "MSG_???", 1, {IPC_SET: _MSG_SET},
              {IPC_STAT: _MSG_STAT, 11: _MSG_STAT, 13: _MSG_STAT, IPC_INFO: _MSGINFO, 12: _MSGINFO})


# ---- semop and the message buffers ---------------------------------------------------------


def _sembuf(t: tuple[int, ...]) -> str:
    return f"{{sem_num={t[0]}, sem_op={t[1]}, sem_flg={SEMOP_FLAGS.flags(t[2] & 0xFFFF)}}}"


def SEMBUFS(c: Call, i: int) -> str:
    """semop's array of struct sembuf, ``nsops`` (argument 2) long."""
    return array_at(c, c.args[i], c.args[2] & 0xFFFFFFFF, "<HhH", _sembuf)


def msgbuf_at(c: Call, addr: int, size: int) -> str:
    """``{mtype=1, mtext="..."}``: mtype and the first word after it must be readable, as in strace."""
    got = read_struct(c, addr, "<qQ")
    if got is None:
        return ptr(addr)
    return f"{{mtype={got[0]}, mtext={buffer(c, addr + 8, size)}}}"


def MSGBUF_IN(c: Call, i: int) -> str:
    return "NULL" if c.args[i] == 0 else msgbuf_at(c, c.args[i], c.args[2])


def MSGBUF_OUT(c: Call, i: int) -> str:
    """msgrcv's buffer: msgsz bytes of mtext as strace shows them, whatever the kernel copied."""
    return ptr(c.args[i]) if failed(c) else msgbuf_at(c, c.args[i], c.args[2])


def _msg_flags(c: Call, i: int) -> str:
    return noted_flags_text(MSG_FLAGS, c.args[i] & 0xFFFFFFFF, "MSG_???")


def _shmat_flags(c: Call, i: int) -> str:
    return noted_flags_text(SHMAT_FLAGS, c.args[i] & 0xFFFFFFFF, "SHM_???")


def _long(c: Call, i: int) -> str:
    return str(s64(c.args[i]))


DECODERS: dict[str, Decoder] = {
    "shmget": sig(KEY, ULONG, _get_flags(SHMGET_FLAGS, huge=True)),
    "shmat": sig(INT, PTR, _shmat_flags, ret=ret_hex),
    "shmdt": sig(PTR),
    "shmctl": SHMCTL,
    "semget": sig(KEY, INT, _get_flags(IPC_GET_FLAGS, huge=False)),
    "semop": sig(INT, SEMBUFS, lambda c, i: str(c.args[i] & 0xFFFFFFFF)),
    "semtimedop": sig(INT, SEMBUFS, lambda c, i: str(c.args[i] & 0xFFFFFFFF), TIMESPEC),
    "msgget": sig(KEY, _get_flags(IPC_GET_FLAGS, huge=False)),
    "msgsnd": sig(INT, MSGBUF_IN, ULONG, _msg_flags),
    "msgrcv": sig(INT, out(MSGBUF_OUT), out(ULONG), out(_long), out(_msg_flags)),
    "msgctl": MSGCTL,
    **mqueue.DECODERS,
}


def abi_decoders(abi: Abi) -> dict[str, Decoder]:
    """semctl, whose struct semid64_ds x86_64 pads."""
    return {"semctl": _semctl(abi)}
