"""Decoders for sockets: socket, connect, bind, accept, get/setsockopt and the calls around them."""

from __future__ import annotations

import socket as _socket
from collections.abc import Callable

from ..base import (
    FD,
    INT,
    Call,
    Decoder,
    buffer,
    noted_flags_text,
    noted_value_text,
    out,
    ret_fd,
    sig,
)
from ..format import ptr, quote, s32
from ..xlat import STYLE, styled, xlat_style
from ..xlat.net import (
    ARPHRD_TYPES,
    ETH_PROTOCOLS,
    FAMILIES,
    IP_PROTOCOLS,
    NETLINK_PROTOCOLS,
    PACKET_TYPES,
    SHUTDOWN_HOW,
    SOCK_FLAGS,
    SOCK_TYPES,
)
from ..xlat.sockopt import OPTIONS_BY_LEVEL, SOCKOPT_LEVELS
from .common import failed, read_struct
from .fd import FDPAIR

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET = 1, 2, 10, 16, 17
SOL_SOCKET, SO_LINGER, SO_PEERCRED = 1, 13, 17
SOCKADDR_STORAGE = 128  # the most of an address strace (and the kernel) looks at
SUN_PATH_END = 2 + 108  # sizeof(struct sockaddr_un)
_NUL = b"\0"


def socktype_text(v: int) -> str:
    """socket()'s type: ``SOCK_STREAM|SOCK_CLOEXEC``; an unknown type folds into the flags."""
    if SOCK_TYPES.name(v & 0xF) is None:
        return noted_flags_text(SOCK_FLAGS, v, "SOCK_???")
    kind, rest = noted_value_text(SOCK_TYPES, v & 0xF, "SOCK_???"), v & ~0xF
    return f"{kind}|{noted_flags_text(SOCK_FLAGS, rest, 'SOCK_???')}" if rest else kind


def SOCKTYPE(c: Call, i: int) -> str:
    return socktype_text(c.args[i] & 0xFFFFFFFF)


def _ntohs(v: int) -> int:
    return int.from_bytes((v & 0xFFFF).to_bytes(2, "little"), "big")


def eth_protocol(v: int) -> str:
    """An ETH_P_* value as it sits in memory (network order): ``htons(ETH_P_ALL)``."""
    return f"htons({noted_value_text(ETH_PROTOCOLS, _ntohs(v), 'ETH_P_???')})"


# socket()'s protocol: how each family numbers it
_PROTOCOLS: dict[int, Callable[[int], str]] = {
    AF_INET: lambda v: noted_value_text(IP_PROTOCOLS, v, "IPPROTO_???"),
    AF_INET6: lambda v: noted_value_text(IP_PROTOCOLS, v, "IPPROTO_???"),
    AF_NETLINK: lambda v: noted_value_text(NETLINK_PROTOCOLS, v, "NETLINK_???"),
    AF_PACKET: eth_protocol,
}


def PROTOCOL(c: Call, i: int) -> str:
    render = _PROTOCOLS.get(c.args[0] & 0xFFFFFFFF)
    v = c.args[i] & 0xFFFFFFFF
    return render(v) if render is not None else str(s32(v))


def FAMILY(c: Call, i: int) -> str:
    return noted_value_text(FAMILIES, c.args[i] & 0xFFFFFFFF, "AF_???")


# ---- socket addresses ----------------------------------------------------------------------


def if_index_text(index: int, hx: int = 0) -> str:
    """An interface index as strace shows one it can name: ``if_nametoindex("lo")``, else the number."""
    try:
        name = _socket.if_indextoname(index) if index > 0 else None
    except (OSError, OverflowError, ValueError):
        name = None
    return str(index) if name is None else styled(str(index), f"if_nametoindex({_text(name, hx)})")


def _text(s: str, hx: int) -> str:
    """A string strace writes itself (an address, an interface name): quoted, in hex under -xx."""
    return quote(s.encode(), hex_strings=hx)


def _wire(field: str, raw: bytes, text: str) -> str:
    """A network-order field: ``text`` (``htons(80)``); under -X raw/verbose its bytes, as strace."""
    if STYLE.get() == "abbrev":
        return text
    return f"{field}={styled(quote(raw, force_hex=True), text.removeprefix(field + '='))}"


def _port(data: bytes) -> int:
    return int.from_bytes(data[2:4], "big")


def _unix(data: bytes, hx: int) -> str | None:
    path = data[2:SUN_PATH_END]
    if path[:1] == _NUL:  # abstract: every byte of the given length is the name
        return f"sun_path=@{quote(path[1:], hex_strings=hx)}"
    return f"sun_path={quote(path.split(_NUL, 1)[0], hex_strings=hx)}"


def _inet(data: bytes, hx: int) -> str | None:
    if len(data) < 16:
        return None
    addr = _socket.inet_ntop(_socket.AF_INET, data[4:8])
    port = _wire("sin_port", data[2:4], f"sin_port=htons({_port(data)})")
    where = _wire("sin_addr", data[4:8], f"sin_addr=inet_addr({_text(addr, hx)})")
    return f"{port}, {where}"


def _scoped(addr: bytes) -> bool:
    """Link-local unicast (fe80::/10) or link-local multicast (ff02::/16 and its flag variants)."""
    return (addr[0] == 0xFE and addr[1] & 0xC0 == 0x80) or (addr[0] == 0xFF and addr[1] & 0xF == 2)


def _inet6(data: bytes, hx: int) -> str | None:
    if len(data) < 24:  # 24: the RFC 2133 struct, without sin6_scope_id
        return None
    flow = int.from_bytes(data[4:8], "big")
    addr = _socket.inet_ntop(_socket.AF_INET6, data[8:24])
    pton = f"inet_pton(AF_INET6, {_text(addr, hx)}"
    if STYLE.get() == "abbrev":
        pton += ", &sin6_addr)"
    else:  # the bytes, with the call as a comment
        pton = f"sin6_addr={styled(quote(data[8:24], force_hex=True), pton + ')')}"
    text = (f'{_wire("sin6_port", data[2:4], f"sin6_port=htons({_port(data)})")}, '
            f'{_wire("sin6_flowinfo", data[4:8], f"sin6_flowinfo=htonl({flow})")}, {pton}')
    if len(data) >= 28:
        scope = int.from_bytes(data[24:28], "little")
        text += f", sin6_scope_id={if_index_text(scope, hx) if _scoped(data[8:24]) else scope}"
    return text


def _netlink(data: bytes, hx: int) -> str | None:
    if len(data) < 12:
        return None
    pid, groups = int.from_bytes(data[4:8], "little"), int.from_bytes(data[8:12], "little")
    return f"nl_pid={pid}, nl_groups={f'{groups:#08x}' if groups else '00000000'}"  # C's %#08x


def _hw_byte(b: int) -> str:
    return f"{b:#02x}" if b else "00"  # C's %#02x


def _packet(data: bytes, hx: int) -> str | None:
    if len(data) < 20:
        return None
    ifindex = int.from_bytes(data[4:8], "little", signed=True)
    hatype = int.from_bytes(data[8:10], "little")
    pkttype, halen = data[10], data[11]
    with xlat_style("abbrev"):  # a comment after the bytes says what they mean, in plain names
        protocol = eth_protocol(int.from_bytes(data[2:4], "little"))
    text = (f"{_wire('sll_protocol', data[2:4], f'sll_protocol={protocol}')}, "
            f"sll_ifindex={if_index_text(ifindex, hx)}, "
            f"sll_hatype={noted_value_text(ARPHRD_TYPES, hatype, 'ARPHRD_???')}, "
            f"sll_pkttype={noted_value_text(PACKET_TYPES, pkttype, 'PACKET_???')}, sll_halen={halen}")
    if halen:
        shown = [_hw_byte(b) for b in data[12 : 12 + min(halen, 8)]]
        text += f", sll_addr=[{', '.join(shown)}{', ...' if halen > 8 else ''}]"
    return text


_ADDRESSES: dict[int, Callable[[bytes, int], str | None]] = {  # (address, -x level)
    AF_UNIX: _unix,
    AF_INET: _inet,
    AF_INET6: _inet6,
    AF_NETLINK: _netlink,
    AF_PACKET: _packet,
}


def sockaddr_text(data: bytes, hex_strings: int = 0) -> str:
    """A socket address: ``{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}``.

    ``hex_strings`` is -x/-xx, for the strings in it (``sun_path``, ``sa_data``).
    """
    if len(data) < 2:
        return "{}"
    family = int.from_bytes(data[:2], "little")
    head = f"sa_family={noted_value_text(FAMILIES, family, 'AF_???')}"
    if len(data) == 2:
        return f"{{{head}}}"
    render = _ADDRESSES.get(family)
    body = render(data, hex_strings) if render is not None else None
    if body is None:
        body = f"sa_data={quote(data[2:], hex_strings=hex_strings)}"
    return f"{{{head}, {body}}}"


def sockaddr_at(c: Call, addr: int, size: int) -> str:
    """The address of ``size`` bytes at ``addr``; the pointer when too short or unreadable."""
    if addr == 0:
        return "NULL"
    if size < 2:
        return ptr(addr)
    size = min(size, SOCKADDR_STORAGE)
    data = c.mem.read(addr, size)
    return ptr(addr) if data is None or len(data) < size else sockaddr_text(data, c.opts.hex_strings)


def SOCKADDR_IN(c: Call, i: int) -> str:
    """A socket address the caller passed; its length is the next argument."""
    return sockaddr_at(c, c.args[i], s32(c.args[i + 1]))


def _lengths(before: int, after: int) -> str:
    return f"[{after}]" if before == after else f"[{before} => {after}]"


# ---- accept, accept4, getsockname, getpeername: (fd, addr, &len) -----------------------------


def _sockname(flags: bool, ret: Callable[[Call], str] | None = None) -> Decoder:
    """The address and its value-result length print at exit, unless there is nothing to fill."""

    def tail(c: Call) -> list[str]:
        return [noted_flags_text(SOCK_FLAGS, c.args[3] & 0xFFFFFFFF, "SOCK_???")] if flags else []

    def enter(c: Call) -> list[str]:
        addr, lenp = c.args[1], c.args[2]
        got = read_struct(c, lenp, "<i") if c.opts.verbose and addr else None
        if got is None:
            return [FD(c, 0), ptr(addr), ptr(lenp), *tail(c)]
        c.saved["addrlen"] = got[0]
        return [FD(c, 0)]

    def exit_(c: Call) -> list[str]:
        addr, before = c.args[1], int(c.saved["addrlen"])  # type: ignore[call-overload]
        got = None if failed(c) else read_struct(c, c.args[2], "<i")
        if got is None:
            return [ptr(addr), f"[{before}]", *tail(c)]
        return [sockaddr_at(c, addr, min(before, got[0])), _lengths(before, got[0]), *tail(c)]

    return Decoder(enter, exit_, ret, has_exit=lambda c: "addrlen" in c.saved)


# ---- socket options ---------------------------------------------------------------------------


def LEVEL(c: Call, i: int) -> str:
    return noted_value_text(SOCKOPT_LEVELS, c.args[i] & 0xFFFFFFFF, "SOL_??")


def OPTNAME(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    known = OPTIONS_BY_LEVEL.get(c.args[i - 1] & 0xFFFFFFFF)
    return str(v) if known is None else noted_value_text(known[0], v, f"{known[1]}???")


def _linger(c: Call, addr: int, size: int, setting: bool) -> str | None:
    if setting and size < 8:
        return ptr(addr)
    data = c.mem.read(addr, min(size, 8))
    if data is None or len(data) < min(size, 8):
        return ptr(addr)
    if size < 4:  # a getsockopt with a short buffer gets the head of l_onoff
        return f"{{l_onoff={quote(data, force_hex=True)}}}"
    onoff = int.from_bytes(data[:4], "little", signed=True)
    if size == 4:
        return f"{{l_onoff={onoff}}}"
    if size < 8:
        return f"{{l_onoff={onoff}, l_linger={quote(data[4:], force_hex=True)}}}"
    return f"{{l_onoff={onoff}, l_linger={int.from_bytes(data[4:8], 'little', signed=True)}}}"


def _id(v: int) -> str:
    return "-1" if v == 0xFFFFFFFF else str(v)


def _peercred(c: Call, addr: int, size: int, setting: bool) -> str | None:
    got = read_struct(c, addr, "<iII") if size >= 12 else None
    return None if got is None else f"{{pid={got[0]}, uid={_id(got[1])}, gid={_id(got[2])}}}"


# (level, option) -> how its value prints when it is not an int; None from one: print it generically
_STRUCT_OPTIONS: dict[tuple[int, int], Callable[[Call, int, int, bool], str | None]] = {
    (SOL_SOCKET, SO_LINGER): _linger,
    (SOL_SOCKET, SO_PEERCRED): _peercred,
}


def optval_text(c: Call, level: int, name: int, addr: int, size: int, setting: bool) -> str:
    """An option value of ``size`` bytes: a known struct, ``[1]`` for an int, else the bytes."""
    if addr == 0:
        return "NULL"
    if size <= 0 or not c.opts.verbose:  # -e verbose=none: every value is its pointer
        return ptr(addr)
    special = _STRUCT_OPTIONS.get((level, name))
    text = special(c, addr, size, setting) if special is not None else None
    if text is not None:
        return text
    if size == 4:
        got = read_struct(c, addr, "<i")
        return ptr(addr) if got is None else f"[{got[0]}]"
    return buffer(c, addr, size)


def _level_name(c: Call) -> tuple[int, int]:
    return c.args[1] & 0xFFFFFFFF, c.args[2] & 0xFFFFFFFF


def SOCKOPT_IN(c: Call, i: int) -> str:
    return optval_text(c, *_level_name(c), c.args[i], s32(c.args[i + 1]), setting=True)


def _getsockopt_enter(c: Call) -> list[str]:
    got = read_struct(c, c.args[4], "<i")
    c.saved["optlen"] = None if got is None else got[0]
    return [FD(c, 0), LEVEL(c, 1), OPTNAME(c, 2)]


def _getsockopt_exit(c: Call) -> list[str]:
    addr, lenp, before = c.args[3], c.args[4], c.saved.get("optlen")
    if not isinstance(before, int):
        return [ptr(addr), ptr(lenp)]
    got = None if failed(c) else read_struct(c, lenp, "<i")
    if got is None:
        return [ptr(addr), f"[{before}]"]
    return [optval_text(c, *_level_name(c), addr, got[0], setting=False), _lengths(before, got[0])]


DECODERS: dict[str, Decoder] = {
    "socket": sig(FAMILY, SOCKTYPE, PROTOCOL, ret=ret_fd),
    "connect": sig(FD, SOCKADDR_IN, INT),
    "bind": sig(FD, SOCKADDR_IN, INT),
    "listen": sig(FD, INT),
    "shutdown": sig(FD, lambda c, i: noted_value_text(SHUTDOWN_HOW, c.args[i] & 0xFFFFFFFF, "SHUT_???")),
    "getsockname": _sockname(flags=False),
    "getpeername": _sockname(flags=False),
    "accept": _sockname(flags=False, ret=ret_fd),
    "accept4": _sockname(flags=True, ret=ret_fd),
    "socketpair": sig(FAMILY, SOCKTYPE, PROTOCOL, out(FDPAIR)),
    "setsockopt": sig(FD, LEVEL, OPTNAME, SOCKOPT_IN, INT),
    "getsockopt": Decoder(_getsockopt_enter, _getsockopt_exit),
}
