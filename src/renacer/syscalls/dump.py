"""``-e read=FDS`` / ``-e write=FDS``: the data a call moved, captured for strace's hex dumps.

Capture (``io_data``) reads the tracee's memory at the call's exit; rendering (``dump_lines``)
is the sink's part. Calls with one buffer give one unlabelled block; calls with an iovec give
one block per non-empty buffer, labelled with its index as strace does; sendmmsg/recvmmsg
label each message's iovec as a vector. What was written is dumped even when the call failed
(the bytes were handed over); what was read only when the call returned data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .base import Call
from .format import s32

# name -> (descriptor arg, buffer arg, length arg or None for an iovec array, iovcnt arg)
_READS: dict[str, tuple[int, int, int | None, int]] = {
    "read": (0, 1, 2, 0),
    "pread64": (0, 1, 2, 0),
    "recvfrom": (0, 1, 2, 0),
    "readv": (0, 1, None, 2),
    "preadv": (0, 1, None, 2),
    "preadv2": (0, 1, None, 2),
}
_WRITES: dict[str, tuple[int, int, int | None, int]] = {
    "write": (0, 1, 2, 0),
    "pwrite64": (0, 1, 2, 0),
    "sendto": (0, 1, 2, 0),
    "writev": (0, 1, None, 2),
    "pwritev": (0, 1, None, 2),
    "pwritev2": (0, 1, None, 2),
}
_MSG = {"recvmsg": "read", "sendmsg": "write"}  # msghdr at argument 1: its iovec is the data
_MMSG = {"recvmmsg": "read", "sendmmsg": "write"}  # an array of mmsghdr at argument 1, count at 2
_IOV_MAX = 1024
_DUMP_MAX = 1 << 20  # never copy more than this per call


@dataclass(frozen=True, slots=True)
class IoBlock:
    """One buffer's bytes; ``index`` is its place in an iovec, None for a plain buffer."""

    index: int | None
    data: bytes
    vector: int | None = None  # the message's place in a sendmmsg/recvmmsg array
    vector_len: int = 0  # how many buffers that message has


def io_direction(name: str) -> str | None:
    """'read', 'write' or None: which -e qualifier can dump this syscall's data."""
    if name in _READS:
        return "read"
    if name in _WRITES:
        return "write"
    return _MSG.get(name) or _MMSG.get(name)


def io_fd(c: Call) -> int:
    """The descriptor the data moved through."""
    return s32(c.args[0])


def io_data(c: Call) -> tuple[IoBlock, ...]:
    """The data a finished call moved: what was read (``retval`` bytes) or written."""
    reading = io_direction(c.name) == "read"
    if reading and (c.error or c.retval <= 0):
        return ()
    if c.name in _MMSG:
        return _mmsg_blocks(c)
    total = _DUMP_MAX if not reading else min(c.retval, _DUMP_MAX)
    if c.name in _MSG:
        got = _msghdr_iov(c, c.args[1])
        return _iov_blocks(c, *got, total) if got else ()
    _, buf, length, count = (_READS.get(c.name) or _WRITES[c.name])
    if length is None:
        return _iov_blocks(c, c.args[buf], c.args[count], total)
    size = total if reading else min(c.args[length], _DUMP_MAX)
    data = c.mem.read(c.args[buf], size) if size else b""
    return (IoBlock(None, data),) if data else ()


def _msghdr_iov(c: Call, addr: int) -> tuple[int, int] | None:
    hdr = c.mem.read(addr, 56)  # struct msghdr: name, namelen, iov, iovlen, ...
    if hdr is None or len(hdr) < 56:
        return None
    iov, iovlen = struct.unpack_from("<QQ", hdr, 16)
    return iov, iovlen


def _mmsg_blocks(c: Call) -> tuple[IoBlock, ...]:
    """Each message the call moved (``retval`` of them), its buffers up to its msg_len."""
    blocks: list[IoBlock] = []
    for k in range(min(max(c.retval, 0), _IOV_MAX)):
        entry = c.mem.read(c.args[1] + 64 * k, 64)  # struct mmsghdr: msghdr, then msg_len
        if entry is None or len(entry) < 64:
            break
        iov, iovlen = struct.unpack_from("<QQ", entry, 16)
        (msg_len,) = struct.unpack_from("<I", entry, 56)
        for b in _iov_blocks(c, iov, iovlen, msg_len):
            blocks.append(IoBlock(b.index, b.data, k, iovlen))
    return tuple(blocks)


def _iov_blocks(c: Call, addr: int, count: int, total: int) -> tuple[IoBlock, ...]:
    count = min(count, _IOV_MAX)
    raw = c.mem.read(addr, 16 * count) if count else b""
    if raw is None or len(raw) < 16 * count:
        return ()
    blocks: list[IoBlock] = []
    for i in range(count):
        base, size = struct.unpack_from("<QQ", raw, 16 * i)
        size = min(size, total)
        if size:
            data = c.mem.read(base, size)
            if data:
                blocks.append(IoBlock(i, data))
        total -= size
        if total <= 0:
            break
    return tuple(blocks)


def dump_lines(blocks: tuple[IoBlock, ...]) -> list[str]:
    """strace's dump: `` * N bytes in buffer K`` for iovecs, then 16 bytes a line, hex and text."""
    lines: list[str] = []
    vector = None
    for block in blocks:
        if block.vector is not None and block.vector != vector:
            lines.append(f" = {block.vector_len} buffers in vector {block.vector}")
        vector = block.vector
        if block.index is not None:
            lines.append(f" * {len(block.data)} bytes in buffer {block.index}")
        data = block.data
        for off in range(0, len(data), 16):
            chunk = data[off : off + 16]
            cells = "".join(
                (f"{chunk[i]:02x} " if i < len(chunk) else "   ") + (" " if i == 7 else "") for i in range(16)
            )
            text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
            lines.append(f" | {off:05x}  {cells} {text:<16s} |")
    return lines
