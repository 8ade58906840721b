"""Decoders for sockets: socket, connect, bind and the simple calls around them."""

from __future__ import annotations

import socket as _socket

from ..base import FD, INT, Call, Decoder, const, flags, out, ret_fd, sig
from ..format import ptr, quote
from ..xlat.net import (
    FAMILIES,
    IP_PROTOCOLS,
    SHUTDOWN_HOW,
    SOCK_FLAGS,
    SOCK_TYPES,
    SOCKOPT_LEVELS,
    SOL_SOCKET_OPTIONS,
    TCP_OPTIONS,
)
from .common import failed, read_struct
from .fd import FDPAIR

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
_NUL = b"\0"


def SOCKTYPE(c: Call, i: int) -> str:
    v = c.args[i] & 0xFFFFFFFF
    text = SOCK_TYPES.value(v & 0xF)
    rest = v & ~0xF
    return f"{text}|{SOCK_FLAGS.flags(rest)}" if rest else text


def _protocol(c: Call, i: int) -> str:
    if c.args[0] & 0xFFFFFFFF in (AF_INET, AF_INET6):
        return IP_PROTOCOLS.value(c.args[i] & 0xFFFFFFFF, "{}")
    return str(c.args[i] & 0xFFFFFFFF)


def sockaddr_text(data: bytes) -> str:
    """A socket address: ``{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}``."""
    if len(data) < 2:
        return "{}"
    family = int.from_bytes(data[:2], "little")
    head = f"sa_family={FAMILIES.value(family, '{}')}"
    if family == AF_UNIX:
        path = data[2:]
        if path[:1] == _NUL:
            return f"{{{head}, sun_path=@{quote(path[1:].rstrip(_NUL))}}}"
        return f"{{{head}, sun_path={quote(path.split(_NUL, 1)[0])}}}"
    if family == AF_INET and len(data) >= 8:
        port = int.from_bytes(data[2:4], "big")
        addr = _socket.inet_ntop(_socket.AF_INET, data[4:8])
        return f'{{{head}, sin_port=htons({port}), sin_addr=inet_addr("{addr}")}}'
    if family == AF_INET6 and len(data) >= 24:
        port = int.from_bytes(data[2:4], "big")
        flow = int.from_bytes(data[4:8], "big")
        addr = _socket.inet_ntop(_socket.AF_INET6, data[8:24])
        scope = int.from_bytes(data[24:28], "little") if len(data) >= 28 else 0
        return (f'{{{head}, sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), '
                f'inet_pton(AF_INET6, "{addr}", &sin6_addr), sin6_scope_id={scope}}}')
    return f"{{{head}, sa_data={quote(data[2:])}}}"


def SOCKADDR_IN(c: Call, i: int) -> str:
    """A socket address the caller passed; its length is the next argument."""
    addr, size = c.args[i], c.args[i + 1] & 0xFFFFFFFF
    if addr == 0:
        return "NULL"
    data = c.mem.read(addr, min(size, 128))
    if data is None or len(data) < min(size, 128):
        return ptr(addr)
    return sockaddr_text(data)


def SOCKADDR_OUT(c: Call, i: int) -> str:
    """An address the kernel wrote (accept, getsockname); its length is behind the next pointer."""
    addr = c.args[i]
    if addr == 0 or failed(c):
        return ptr(addr)
    got = read_struct(c, c.args[i + 1], "<I")
    if got is None:
        return ptr(addr)
    data = c.mem.read(addr, min(got[0], 128))
    return ptr(addr) if data is None else sockaddr_text(data)


def SOCKLEN_OUT(c: Call, i: int) -> str:
    got = read_struct(c, c.args[i], "<I")
    return ptr(c.args[i]) if got is None else f"[{got[0]}]"


_OPTIONS_BY_LEVEL = {1: SOL_SOCKET_OPTIONS, 6: TCP_OPTIONS}


def SOCKOPT_NAME(c: Call, i: int) -> str:
    table = _OPTIONS_BY_LEVEL.get(c.args[i - 1] & 0xFFFFFFFF)
    v = c.args[i] & 0xFFFFFFFF
    return table.value(v, "{}") if table is not None else str(v)


def _optval(c: Call, addr: int, size: int) -> str:
    """An option value: ``[1]`` for an int, the bytes otherwise."""
    if size == 4:
        got = read_struct(c, addr, "<i")
        return ptr(addr) if got is None else f"[{got[0]}]"
    data = c.mem.read(addr, min(size, c.opts.string_limit))
    return ptr(addr) if data is None else quote(data, truncated=size > c.opts.string_limit)


def SOCKOPT_IN(c: Call, i: int) -> str:
    return _optval(c, c.args[i], c.args[i + 1] & 0xFFFFFFFF)


def SOCKOPT_OUT(c: Call, i: int) -> str:
    size = read_struct(c, c.args[i + 1], "<I")
    if failed(c) or size is None:
        return ptr(c.args[i])
    return _optval(c, c.args[i], size[0])


_FAMILY = const(FAMILIES, fallback="{}")

DECODERS: dict[str, Decoder] = {
    "socket": sig(_FAMILY, SOCKTYPE, _protocol, ret=ret_fd),
    "connect": sig(FD, SOCKADDR_IN, INT),
    "bind": sig(FD, SOCKADDR_IN, INT),
    "listen": sig(FD, INT),
    "shutdown": sig(FD, const(SHUTDOWN_HOW)),
    "getsockname": sig(FD, out(SOCKADDR_OUT), SOCKLEN_OUT),
    "getpeername": sig(FD, out(SOCKADDR_OUT), SOCKLEN_OUT),
    "accept": sig(FD, out(SOCKADDR_OUT), SOCKLEN_OUT, ret=ret_fd),
    "accept4": sig(FD, out(SOCKADDR_OUT), SOCKLEN_OUT, flags(SOCK_FLAGS, width=32), ret=ret_fd),
    "socketpair": sig(_FAMILY, SOCKTYPE, _protocol, out(FDPAIR)),
    "setsockopt": sig(FD, const(SOCKOPT_LEVELS, fallback="{}"), SOCKOPT_NAME, SOCKOPT_IN, INT),
    "getsockopt": sig(FD, const(SOCKOPT_LEVELS, fallback="{}"), SOCKOPT_NAME, out(SOCKOPT_OUT), SOCKLEN_OUT),
}
