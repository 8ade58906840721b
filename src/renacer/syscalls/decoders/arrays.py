"""Arrays of C structs in tracee memory, printed strace's way: ``[{...}, {...}, ...]``."""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..base import Call
from ..format import ptr
from .common import shown


def array_at(c: Call, addr: int, count: int, fmt: str, render: Callable[[tuple[int, ...]], str]) -> str:
    """``count`` structs of ``fmt`` at ``addr``.

    ``NULL`` for a null pointer, the pointer when the first element is unreadable; without -v at
    most -s elements then ``...``; an element that cannot be read (checked first, as strace
    does) ends the list with ``... /* 0x... */`` (its address).
    """
    if addr == 0:
        return "NULL"
    size = struct.calcsize(fmt)
    limit = shown(c, count)
    items: list[str] = []
    for k in range(count):
        at = addr + k * size
        data = c.mem.read(at, size)  # read before the cap: an unreadable array stays a pointer
        if data is None or len(data) < size:
            if k == 0:
                return ptr(addr)
            items.append(f"... /* {ptr(at)} */")
            break
        if k >= limit:
            items.append("...")
            break
        items.append(render(struct.unpack(fmt, data)))
    return "[" + ", ".join(items) + "]"


def octal(v: int) -> str:
    """C's ``%#03o``, as strace prints IPC and mq modes: ``000``, ``0600``, ``07777``."""
    return "0" + format(v, "o").zfill(2)
