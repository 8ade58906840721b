"""What strace shows in a descriptor's angle brackets: paths (-y), socket endpoints and devices (-yy).

Sockets are looked up the way the kernel offers: the protocol name from the socket's
``system.sockprotoname`` attribute, then a NETLINK_SOCK_DIAG query (inet_diag, unix_diag,
netlink_diag) in renacer's own network namespace, which is taken to be the tracee's.
Nothing is remembered between calls unless the caller passes a ``memo`` (strace 6.1 keeps one).
"""

from __future__ import annotations

import os
import socket
import stat
import struct
from collections.abc import Callable, Iterator

from .syscalls.format import quote
from .syscalls.xlat.net import NETLINK_PROTOCOLS

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE = 6, 17, 136
UDIAG_SHOW_NAME, UDIAG_SHOW_PEER = 0x1, 0x4
UNIX_DIAG_NAME, UNIX_DIAG_PEER = 0, 2
NDIAG_PROTO_ALL = 0xFF
NOCOOKIE = 0xFFFFFFFF
DELETED = " (deleted)"
PIDFD = "anon_inode:[pidfd]"

_NLMSGHDR = struct.Struct("<IHHII")  # len, type, flags, seq, pid
_INET_MSG = struct.Struct("<BBBB4s32s4x8x4x4x4x4xI")  # family..retrans, ports, src+dst, ..., inode
_UNIX_MSG = struct.Struct("<BBBBI8x")  # family, type, state, pad, inode, cookie
_NETLINK_MSG = struct.Struct("<BBBBIIII8x")  # family, type, protocol, state, portid, dst, group, inode

Memo = dict[int, str]  # socket inode -> what was shown for it


# ---- the sock_diag conversation -------------------------------------------------------------


def _answers(request: bytes, dump: bool) -> Iterator[bytes]:
    """Send one SOCK_DIAG_BY_FAMILY request; yield the payload of every answer until the end."""
    flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as s:
        s.settimeout(2.0)  # the kernel answers at once; never let a lookup hang the tracer
        s.sendto(_NLMSGHDR.pack(_NLMSGHDR.size + len(request), SOCK_DIAG_BY_FAMILY, flags, 1, 0) + request,
                 (0, 0))
        while True:
            data = s.recv(1 << 17)
            at = 0
            while at + _NLMSGHDR.size <= len(data):
                size, kind, _, _, _ = _NLMSGHDR.unpack_from(data, at)
                if kind in (NLMSG_DONE, NLMSG_ERROR) or size < _NLMSGHDR.size:
                    return
                yield data[at + _NLMSGHDR.size : at + size]
                at += (size + 3) & ~3
            if not dump or not data:
                return


def _attributes(data: bytes) -> dict[int, bytes]:
    """Netlink attributes (struct rtattr: length, type, payload padded to 4)."""
    found: dict[int, bytes] = {}
    at = 0
    while at + 4 <= len(data):
        size, kind = struct.unpack_from("<HH", data, at)
        if size < 4:
            break
        found[kind] = data[at + 4 : at + size]
        at += (size + 3) & ~3
    return found


def _endpoint(family: int, raw: bytes, port: int) -> str:
    if family == socket.AF_INET6:
        return f"[{socket.inet_ntop(socket.AF_INET6, raw)}]:{port}"
    return f"{socket.inet_ntop(socket.AF_INET, raw[:4])}:{port}"


def _inet(family: int, protocol: int) -> Callable[[int], str | None]:
    """A lookup of one inet protocol's socket by inode: ``127.0.0.1:80->127.0.0.1:5000``."""

    def find(inode: int) -> str | None:
        request = struct.pack("<BBBBI", family, protocol, 0, 0, 0xFFFFFFFF) + bytes(48)
        for msg in _answers(request, dump=True):
            if len(msg) < _INET_MSG.size:
                continue
            got_family, _, _, _, ports, addrs, ino = _INET_MSG.unpack_from(msg)
            if ino != inode:
                continue
            sport, dport = struct.unpack(">HH", ports)
            src, dst = addrs[:16], addrs[16:]
            text = _endpoint(got_family, src, sport)
            return f"{text}->{_endpoint(got_family, dst, dport)}" if dport or any(dst) else text
        return None

    return find


def _unix_name(name: bytes, hx: int) -> str:
    if name[:1] == b"\0":
        return "@" + quote(name[1:].split(b"\0", 1)[0], hex_strings=hx)
    return quote(name.split(b"\0", 1)[0], hex_strings=hx)


def _unix(inode: int, hx: int = 0) -> str | None:
    """``ino->peer,"path"`` from unix_diag; None when it tells nothing beyond the inode."""
    request = struct.pack("<BBHIIIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, inode,
                          UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, NOCOOKIE, NOCOOKIE)
    for msg in _answers(request, dump=False):
        if len(msg) < _UNIX_MSG.size or _UNIX_MSG.unpack_from(msg)[4] != inode:
            continue
        attrs = _attributes(msg[_UNIX_MSG.size :])
        peer = attrs.get(UNIX_DIAG_PEER, b"")
        peer_ino = int.from_bytes(peer[:4], "little") if len(peer) >= 4 else 0
        name = attrs.get(UNIX_DIAG_NAME)
        if not peer_ino and not name:
            return None
        text = f"{inode}->{peer_ino}" if peer_ino else str(inode)
        return f"{text},{_unix_name(name, hx)}" if name else text
    return None


def _netlink(inode: int) -> str | None:
    """``ROUTE:1234``: the protocol and port id of a bound netlink socket."""
    request = struct.pack("<BBHIIII", socket.AF_NETLINK, NDIAG_PROTO_ALL, 0, 0, 0, NOCOOKIE, NOCOOKIE)
    for msg in _answers(request, dump=True):
        if len(msg) < _NETLINK_MSG.size:
            continue
        _, _, protocol, _, portid, _, _, ino = _NETLINK_MSG.unpack_from(msg)
        if ino == inode:
            name = NETLINK_PROTOCOLS.name(protocol)
            return f"{name.removeprefix('NETLINK_') if name else protocol}:{portid}"
    return None


# The protocol names strace knows, each with its lookup (None: shown with the inode only).
# A lookup takes the inode; the UNIX one also the -x level, for the socket's name.
_LOOKUPS: dict[str, Callable[..., str | None] | None] = {
    "TCP": _inet(socket.AF_INET, IPPROTO_TCP),
    "UDP": _inet(socket.AF_INET, IPPROTO_UDP),
    "UDPLITE": _inet(socket.AF_INET, IPPROTO_UDPLITE),
    "TCPv6": _inet(socket.AF_INET6, IPPROTO_TCP),
    "UDPv6": _inet(socket.AF_INET6, IPPROTO_UDP),
    "UDPLITEv6": _inet(socket.AF_INET6, IPPROTO_UDPLITE),
    "UNIX": _unix,
    "UNIX-STREAM": _unix,
    "NETLINK": _netlink,
    "RAW": None,
    "RAWv6": None,
}
# A name strace does not know ("UDP-Lite", "MPTCP", "PACKET"): every lookup is tried in this order.
_ANY = ("TCP", "UDP", "UDPLITE", "TCPv6", "UDPv6", "UDPLITEv6", "NETLINK")


def _socket_inode(link: str) -> int | None:
    if link.startswith("socket:[") and link.endswith("]"):
        digits = link[8:-1]
        return int(digits) if digits.isdigit() else None
    return None


def _protocol_name(tid: int, fd: int) -> str | None:
    try:
        raw = os.getxattr(f"/proc/{tid}/fd/{fd}", "system.sockprotoname")
    except OSError:
        return None
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def _lookup(find: Callable[..., str | None], inode: int, hx: int) -> str | None:
    try:
        return find(inode, hx) if find is _unix else find(inode)
    except (OSError, ValueError, struct.error):  # no sock_diag for it (module absent, no permission)
        return None


def describe_socket(tid: int, fd: int, inode: int, link: str, memo: Memo | None = None, hx: int = 0) -> str:
    """``TCP:[127.0.0.1:80->127.0.0.1:5000]``, ``UNIX-STREAM:[5->6,"/s"]``; else ``TCP:[5]`` or ``link``."""
    if memo is not None and inode in memo:
        return memo[inode]
    name = _protocol_name(tid, fd)
    if name in _LOOKUPS:
        find = _LOOKUPS[name]
        found = _lookup(find, inode, hx) if find is not None else None
        text = f"{name}:[{found if found is not None else inode}]"
    else:
        text = link  # as it is, even under -xx
        found = None
        for label in _ANY:
            found = _lookup(_LOOKUPS[label], inode, hx)  # type: ignore[arg-type]
            if found is not None:
                text = f"{label}:[{found}]"
                break
    if memo is not None and found is not None:
        memo[inode] = text  # as strace 6.1: once an endpoint is known, it is shown from then on
    return text


# ---- files ----------------------------------------------------------------------------------


def path_text(path: str, hex_strings: int = 0) -> str:
    """A path as strace prints it between angle brackets: C escapes, and ``<``/``>`` in octal.

    ``hex_strings`` is -x (1: all in hex if a byte is binary) or -xx (2: all in hex).
    """
    raw = os.fsencode(path)
    if hex_strings:
        hexed = quote(raw, hex_strings=hex_strings)
        if hexed != quote(raw):  # -x found a binary byte, or -xx: every byte in hex
            return hexed[1:-1]
    parts: list[str] = []
    start = 0
    for i, byte in enumerate(raw):
        if byte in (0x3C, 0x3E):  # '<', '>'
            nxt = raw[i + 1] if i + 1 < len(raw) else 0
            escape = f"\\{byte:03o}" if 0x30 <= nxt <= 0x37 else f"\\{byte:o}"  # as C's octal escapes
            parts.append(quote(raw[start:i])[1:-1] + escape)
            start = i + 1
    parts.append(quote(raw[start:])[1:-1])
    return "".join(parts)


def _stat(tid: int, fd: int) -> os.stat_result | None:
    try:
        return os.stat(f"/proc/{tid}/fd/{fd}")
    except OSError:
        return None


def _split_deleted(link: str, st: os.stat_result | None) -> tuple[str, bool]:
    """The path without the kernel's `` (deleted)`` mark, and whether the file really is gone."""
    if link.endswith(DELETED) and st is not None and st.st_nlink == 0:
        return link[: -len(DELETED)], True
    return link, False


def _path_stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _pidfd(tid: int, fd: int) -> str | None:
    """``pid:1234`` for a pidfd (-yy), from the ``Pid:`` line of its fdinfo."""
    try:
        with open(f"/proc/{tid}/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith("Pid:"):
                    return f"pid:{line.split()[1]}"
    except (OSError, IndexError):
        pass
    return None


def _device(st: os.stat_result | None) -> str:
    """``<char 1:3>`` after a device's path. strace stats the path it read, as renacer does
    here: a device reached through a path that does not resolve here shows no numbers."""
    if st is None:
        return ""
    if stat.S_ISCHR(st.st_mode):
        return f"<char {os.major(st.st_rdev)}:{os.minor(st.st_rdev)}>"
    if stat.S_ISBLK(st.st_mode):
        return f"<block {os.major(st.st_rdev)}:{os.minor(st.st_rdev)}>"
    return ""


# ---- the two entry points -------------------------------------------------------------------


def describe(tid: int, fd: int, link: str, memo: Memo | None = None, hex_strings: int = 0) -> str:
    """What strace -yy prints between ``<`` and ``>`` for descriptor ``fd``, whose /proc link is ``link``.

    ``hex_strings`` is -x/-xx; ``memo`` (one per run) keeps each socket's first known endpoint, as strace.
    """
    inode = _socket_inode(link)
    if inode is not None:
        return describe_socket(tid, fd, inode, link, memo, hex_strings)
    if link == PIDFD:
        return _pidfd(tid, fd) or link
    st = _stat(tid, fd)
    path, _ = _split_deleted(link, st)
    return path_text(path, hex_strings) + _device(_path_stat(path))


def annotation(
    tid: int, fd: int, link: str, level: int, memo: Memo | None = None, hex_strings: int = 0
) -> str:
    """What strace prints after the number under -y (level 1) or -yy (2): ``<...>``, maybe ``(deleted)``."""
    if _socket_inode(link) is not None:
        inner = describe(tid, fd, link, memo, hex_strings) if level >= 2 else path_text(link, hex_strings)
        return f"<{inner}>"
    if link == PIDFD and level >= 2:
        return f"<{_pidfd(tid, fd) or link}>"
    st = _stat(tid, fd)
    path, deleted = _split_deleted(link, st)
    inner = path_text(path, hex_strings) + (_device(_path_stat(path)) if level >= 2 and not deleted else "")
    return f"<{inner}>(deleted)" if deleted else f"<{inner}>"
