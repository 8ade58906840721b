"""Decoders run on in-memory tracee memory: what the unit tests of each family share."""

from __future__ import annotations

from renacer.events import args_text
from renacer.syscalls.base import Call, DecodeOptions, result_text
from renacer.syscalls.decoders import DECODERS


class Memory:
    """Tracee memory made of a few byte regions; reads that leave them come back short or fail."""

    def __init__(self, regions: dict[int, bytes]) -> None:
        self.regions = regions

    def read(self, addr: int, size: int) -> bytes | None:
        for base, data in self.regions.items():
            if base <= addr < base + len(data):
                return data[addr - base:addr - base + size]
        return None

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        data = self.read(addr, limit + 1)
        if data is None:
            return None
        nul = data.find(b"\0")
        return (data[:nul], True) if 0 <= nul <= limit else (data[:limit], False)


def line(name: str, args: tuple[int, ...], regions: dict[int, bytes] | None = None, retval: int = 0,
         error: int = 0, *, limit: int | None = None, opts: DecodeOptions | None = None,
         after: dict[int, bytes] | None = None, sp: int = 0) -> str:
    """A finished call as strace prints it: ``name(args) = ret``.

    ``limit`` is -s; ``after`` is memory the kernel changed before the exit half is decoded.
    """
    dec = DECODERS[name]
    if opts is None:
        opts = DecodeOptions() if limit is None else DecodeOptions(string_limit=limit)
    mem = Memory(dict(regions or {}))
    call = Call(name, args + (0,) * (6 - len(args)), mem, opts, sp=sp)
    entry = tuple(dec.enter(call))
    has_exit = dec.exits(call)
    mem.regions.update(after or {})
    call.exiting, call.retval, call.error = True, (-error if error else retval), error
    exit_ = tuple(dec.exit(call)) if has_exit and dec.exit is not None else ()
    return f"{name}({args_text(entry, exit_, dec.joint)}) = {result_text(call, dec)}"
