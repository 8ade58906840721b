"""Decoders for data in vectors and messages: readv/writev, sendto/recvfrom, sendmsg/recvmsg."""

from __future__ import annotations

from ..base import FD, INT, LONG, UINT, ULONG, Call, Decoder, buffer, fd_text, flags, noted_value_text, sig
from ..format import ptr, s32
from ..xlat.net import MSG_FLAGS, RWF_FLAGS, SCM_TYPES, SOCKOPT_LEVELS
from .common import array_text, failed, read_struct, shown, timespec_at
from .net import SOCKADDR_IN, sockaddr_text

IOV_MAX = 1024
SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS = 1, 1, 2
_IOVEC = "<QQ"  # iov_base, iov_len
_MSGHDR = "<QIxxxxQQQQixxxx"  # name, namelen, iov, iovlen, control, controllen, flags
_MSGHDR_SIZE = 56
_MMSGHDR_SIZE = 64  # a msghdr, then unsigned msg_len and padding
_CMSGHDR = "<QiI"  # cmsg_len, cmsg_level, cmsg_type
_CMSG_HEADER = 16


def iovec_text(c: Call, addr: int, count: int, data: int | None, contents: bool = True) -> str:
    """An iovec array: ``[{iov_base="ab", iov_len=2}]``.

    ``data`` is how many bytes the kernel transferred, spread over the vectors in order (None:
    each vector in full); without ``contents`` the bases print as pointers (a failed read).
    """
    if addr == 0:
        return "NULL"
    if count > IOV_MAX:
        return ptr(addr)
    items = []
    for k in range(shown(c, count)):
        got = read_struct(c, addr + 16 * k, _IOVEC)
        if got is None:
            return ptr(addr)
        base, size = got
        if not contents:
            text = ptr(base)
        elif data is None:
            text = buffer(c, base, size)
        else:
            part = min(size, data)
            data -= part
            text = buffer(c, base, part)
        items.append(f"{{iov_base={text}, iov_len={size}}}")
    return array_text(items, count)


def IOV_IN(c: Call, i: int) -> str:
    """The vectors a write takes, in full; their count is the next argument."""
    return iovec_text(c, c.args[i], c.args[i + 1] & 0xFFFFFFFF, None)


def IOV_OUT(c: Call, i: int) -> str:
    """The vectors a read filled: ``retval`` bytes over them, bare bases if the call failed."""
    count = c.args[i + 1] & 0xFFFFFFFF
    if failed(c):
        return iovec_text(c, c.args[i], count, None, contents=False)
    return iovec_text(c, c.args[i], count, c.retval)


_MSG = flags(MSG_FLAGS, width=32)
_RWF = flags(RWF_FLAGS, width=32)


def _cmsg_data(c: Call, level: int, kind: int, addr: int, size: int) -> str:
    if level != SOL_SOCKET:
        return ""
    if kind == SCM_RIGHTS:
        got = c.mem.read(addr, size - size % 4)
        if got is None:
            return ""
        count = len(got) // 4
        fds = [fd_text(c, int.from_bytes(got[4 * k:4 * k + 4], "little", signed=True))
               for k in range(shown(c, count))]
        return f", cmsg_data={array_text(fds, count)}"
    if kind == SCM_CREDENTIALS and size >= 12:
        cred = read_struct(c, addr, "<iII")
        if cred is not None:
            return f", cmsg_data={{pid={cred[0]}, uid={cred[1]}, gid={cred[2]}}}"
    return ""


def cmsgs_text(c: Call, addr: int, size: int) -> str:
    """The control messages in ``size`` bytes at ``addr``: ``[{cmsg_len=20, ..., cmsg_data=[5]}]``."""
    items = []
    offset = 0
    while size - offset >= _CMSG_HEADER:  # strace shows every message; -s caps what is in them
        got = read_struct(c, addr + offset, _CMSGHDR)
        if got is None:
            return ptr(addr)
        length, level, kind = got
        level_text = noted_value_text(SOCKOPT_LEVELS, level & 0xFFFFFFFF, "SOL_??")
        kind_text = SCM_TYPES.value(kind, "{:#x}") if level == SOL_SOCKET else f"{kind:#x}"
        text = f"{{cmsg_len={length}, cmsg_level={level_text}, cmsg_type={kind_text}"
        body = min(length, size - offset) - _CMSG_HEADER
        if body > 0:
            text += _cmsg_data(c, level, kind, addr + offset + _CMSG_HEADER, body)
        items.append(text + "}")
        if length < _CMSG_HEADER:
            break
        offset += (length + 7) & ~7
    return "[" + ", ".join(items) + "]"


def msghdr_text(c: Call, addr: int, data: int | None, namelen_before: int | None = None) -> str:
    """A struct msghdr; ``data`` bytes spread over its vectors (None: in full).

    ``namelen_before`` is msg_namelen as the caller set it, shown ``128 => 16`` when the kernel
    changed it.
    """
    got = read_struct(c, addr, _MSGHDR)
    if got is None:
        return ptr(addr)
    name, namelen, iov, iovlen, control, controllen, msg_flags = got
    if name == 0:
        name_text = "NULL"
    elif namelen == 0:
        name_text = ptr(name)
    else:
        raw_name = c.mem.read(name, min(namelen, 128))
        name_text = ptr(name) if raw_name is None else sockaddr_text(raw_name, c.opts.hex_strings)
    namelen_text = str(namelen)
    if namelen_before is not None and namelen_before != namelen:
        namelen_text = f"{namelen_before} => {namelen}"
    parts = [f"msg_name={name_text}", f"msg_namelen={namelen_text}",
             f"msg_iov={iovec_text(c, iov, iovlen, data)}", f"msg_iovlen={iovlen}"]
    if controllen:
        control_text = "NULL" if control == 0 else cmsgs_text(c, control, controllen)
        parts.append(f"msg_control={control_text}")
    parts += [f"msg_controllen={controllen}", f"msg_flags={MSG_FLAGS.flags(msg_flags & 0xFFFFFFFF)}"]
    return "{" + ", ".join(parts) + "}"


def _namelen_at(c: Call, addr: int) -> int | None:
    got = read_struct(c, addr + 8, "<I")
    return None if got is None else got[0]


def MSGHDR_IN(c: Call, i: int) -> str:
    return msghdr_text(c, c.args[i], None)


def mmsgvec_text(c: Call, addr: int, count: int, lens: int, received: bool) -> str:
    """An array of struct mmsghdr; the first ``lens`` carry a msg_len (received: data up to it)."""
    if addr == 0:
        return "NULL"
    items = []
    for k in range(min(shown(c, count), IOV_MAX)):
        at = addr + _MMSGHDR_SIZE * k
        got = read_struct(c, at + _MSGHDR_SIZE, "<I")
        if got is None:
            return ptr(addr)
        msg_len = got[0]
        hdr = msghdr_text(c, at, msg_len if received else None)
        items.append(f"{{msg_hdr={hdr}, msg_len={msg_len}}}" if k < lens else f"{{msg_hdr={hdr}}}")
    return array_text(items, count)


# ---- the calls that print at exit ----------------------------------------------------------


def _fd_only(c: Call) -> list[str]:
    return [FD(c, 0)]


def _recvfrom_enter(c: Call) -> list[str]:
    got = read_struct(c, c.args[5], "<I")
    c.saved["addrlen"] = None if got is None else got[0]
    return [FD(c, 0)]


def _recvfrom_exit(c: Call) -> list[str]:
    addr, lenp = c.args[4], c.args[5]
    before = c.saved.get("addrlen")
    after = None if failed(c) else read_struct(c, lenp, "<I")
    if lenp == 0:
        len_text = "NULL"
    elif after is None:
        len_text = ptr(lenp) if before is None else f"[{before}]"
    else:
        len_text = f"[{after[0]}]" if before in (None, after[0]) else f"[{before} => {after[0]}]"
    if addr == 0:
        addr_text = "NULL"
    elif after is None or after[0] == 0:
        addr_text = ptr(addr)
    else:
        data = c.mem.read(addr, min(after[0], 128))
        addr_text = ptr(addr) if data is None else sockaddr_text(data, c.opts.hex_strings)
    buf = ptr(c.args[1]) if failed(c) else buffer(c, c.args[1], c.retval)
    return [buf, ULONG(c, 2), _MSG(c, 3), addr_text, len_text]


def _recvmsg_enter(c: Call) -> list[str]:
    c.saved["namelen"] = _namelen_at(c, c.args[1])
    return [FD(c, 0)]


def _recvmsg_exit(c: Call) -> list[str]:
    before = c.saved.get("namelen")
    if failed(c):
        text = ptr(c.args[1]) if before is None else f"{{msg_namelen={before}}}"
    else:
        text = msghdr_text(c, c.args[1], c.retval, before)  # type: ignore[arg-type]
    return [text, _MSG(c, 2)]


def _sendmmsg_exit(c: Call) -> list[str]:
    lens = 0 if failed(c) else c.retval
    return [mmsgvec_text(c, c.args[1], c.args[2] & 0xFFFFFFFF, lens, False), UINT(c, 2), _MSG(c, 3)]


def _recvmmsg_exit(c: Call) -> list[str]:
    vec = ptr(c.args[1]) if failed(c) else mmsgvec_text(c, c.args[1], c.retval, c.retval, True)
    return [vec, UINT(c, 2), _MSG(c, 3), timespec_at(c, c.args[4])]


def _offset(c: Call, i: int) -> str:
    return LONG(c, i)


def _count(c: Call, i: int) -> str:
    return str(s32(c.args[i]))


DECODERS: dict[str, Decoder] = {
    "readv": Decoder(_fd_only, lambda c: [IOV_OUT(c, 1), _count(c, 2)]),
    "writev": sig(FD, IOV_IN, INT),
    "preadv": Decoder(_fd_only, lambda c: [IOV_OUT(c, 1), _count(c, 2), _offset(c, 3)]),
    "pwritev": sig(FD, IOV_IN, INT, _offset),
    "preadv2": Decoder(_fd_only, lambda c: [IOV_OUT(c, 1), _count(c, 2), _offset(c, 3), _RWF(c, 5)]),
    "pwritev2": Decoder(lambda c: [FD(c, 0), IOV_IN(c, 1), _count(c, 2), _offset(c, 3), _RWF(c, 5)]),
    "sendto": sig(FD, lambda c, i: buffer(c, c.args[i], c.args[i + 1]), ULONG, _MSG, SOCKADDR_IN, INT),
    "recvfrom": Decoder(_recvfrom_enter, _recvfrom_exit),
    "sendmsg": sig(FD, MSGHDR_IN, _MSG),
    "recvmsg": Decoder(_recvmsg_enter, _recvmsg_exit),
    "sendmmsg": Decoder(_fd_only, _sendmmsg_exit),
    "recvmmsg": Decoder(_fd_only, _recvmmsg_exit),
}
