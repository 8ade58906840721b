"""Which argument memory the kernel captures for each syscall, found by asking the decoders.

A decoder is pure: it reads the tracee only through its MemoryReader. So the capture table is
not written by hand: each decoder is run twice on made-up arguments (every pointer argument a
distinct far address, every other argument a distinct small number) with a reader that notes
each read. A read at a pointer argument, at entry or at exit, becomes a capture; its size tells
the rule: the same in both runs is a struct of fixed size, one that follows a number argument
(times a struct size) is a buffer sized by that argument, one that follows the made-up return
value is an output buffer sized by the result. A read that stops at -s in the second run is
bounded by -s in the kernel too. A third run, every number 8, finds reads a decoder makes only
for a plausible size (a sigset). The kernel reads the table from the ``spec`` array map.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ...arch import Arch
from ...syscalls.base import Call, DecodeOptions, Decoder
from ...syscalls.catalog import decoder_for
from .payload import ENTRY, EXIT, PAYLOAD

SLOTS = 4  # captures a syscall may have
NR_LIMIT = 512  # syscall numbers the spec map holds: above every Arch's highest (test_ebpf_layouts checks)
TRACED, NEVER_RETURNS, EXECS = 1, 2, 4  # spec flags; EXECS: an exec, after which entry memory is gone
STRING, BYTES = 1, 2  # capture kinds
FIXED, FROM_RET = 0, 7  # size sources; 1..6 are "argument n-1"

# spec value: u8 flags, and for an exec (stream_exec.py) u8 argv's argument, u8 envp's, u8 argv strings
# to read, u16 their byte limit, 2 zero; then SLOTS slots of: u8 arg, u8 phase, u8 kind, u8 size source,
# u16 scale, u16 limit (bytes read at most; a string's limit counts its NUL)
SPEC_ARGV, SPEC_ENVP, SPEC_ARGV_STRINGS, SPEC_STRING_LIMIT = 1, 2, 3, 4
SPEC_HEAD = 8
SLOT = 8
SPEC_SIZE = SPEC_HEAD + SLOTS * SLOT
_SLOT = struct.Struct("<BBBBHH")

_BASE = 1 << 36  # made-up pointer argument i is _BASE * (i + 1); reads within _BASE of it are its
_INTS_A = (3, 5, 7, 11, 13, 17)
_INTS_B = (1003, 1005, 1007, 1011, 1013, 1017)
_RET_A, _RET_B = 19, 1019
_LIMIT_A, _LIMIT_B = 1 << 20, 37  # -s in each run: a read of _LIMIT_B in run B is bounded by -s
_SCALES = (1, 2, 4, 8, 12, 16, 24, 32, 64)
_POINTER_WORDS = ("*", "cap_user_", "unsigned long")  # 'unsigned long' is also ioctl's and prctl's pointer


@dataclass(frozen=True, slots=True)
class Capture:
    """One argument's memory the kernel reads: which, when, as what, how much."""

    arg: int
    phase: int  # ENTRY or EXIT
    kind: int  # STRING or BYTES
    size_from: int  # FIXED, FROM_RET, or 1 + the argument holding the count
    scale: int  # bytes per unit of that count
    limit: int  # bytes read at most (a string: its NUL included)
    by_string_limit: bool  # the limit is -s (set when the table is made for a run)


class _Probe:
    """A MemoryReader that reads zeros and notes (address, size, is_string, limit) of every read."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, int, bool, int]] = []

    def read(self, addr: int, size: int) -> bytes | None:
        self.reads.append((addr, size, False, 0))
        return bytes(max(size, 0))

    def read_cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        self.reads.append((addr, 0, True, limit))
        return b"", True


def _pointer_args(arch: Arch, name: str) -> set[int]:
    sig = arch.signatures.get(name)
    if sig is None:
        return set(range(arch.nargs(name)))
    return {i for i, (ctype, _) in enumerate(sig) if any(w in ctype for w in _POINTER_WORDS)}


def _run(decoder: Decoder, name: str, args: tuple[int, ...], ret: int, limit: int) -> list[list]:
    """The reads of each phase (entry, exit) when ``decoder`` prints a call with ``args``."""
    probe = _Probe()
    call = Call(name, args, probe, DecodeOptions(string_limit=limit))
    phases: list[list] = [[], []]
    try:
        decoder.enter(call)
    except Exception:  # noqa: BLE001 - made-up arguments may send a decoder astray: no capture then
        pass
    phases[ENTRY], probe.reads = probe.reads, []
    call.exiting, call.retval = True, ret
    try:
        if decoder.exits(call) and decoder.exit is not None:
            decoder.exit(call)
    except Exception:  # noqa: BLE001
        pass
    phases[EXIT] = probe.reads
    return phases


def _owner(addr: int, pointers: set[int]) -> tuple[int, int] | None:
    """(argument, offset) of a read at ``addr`` in a made-up pointer argument's range."""
    arg, offset = divmod(addr, _BASE)
    arg -= 1
    return (arg, offset) if arg in pointers else None


def _size_rule(size_a: int, size_b: int, ints: set[int]) -> tuple[int, int, int] | None:
    """(size source, scale, cap) explaining a read of size_a in run A and size_b in run B; the cap
    is 0 when -s bounds the read, else the most bytes the decoder reads (PAYLOAD if no bound)."""
    if size_a == size_b:
        return FIXED, 1, size_a
    if size_a == _RET_A:
        return FROM_RET, 1, _cap(size_b, _RET_B)
    for j in sorted(ints):
        for scale in _SCALES:
            if size_a == _INTS_A[j] * scale:
                return 1 + j, scale, _cap(size_b, _INTS_B[j] * scale)
    return None


def _cap(size_b: int, unbounded: int) -> int:
    if size_b == unbounded:
        return PAYLOAD
    return 0 if size_b in (_LIMIT_B, _LIMIT_B + 1, _LIMIT_B + 2) else size_b


def captures_for(arch: Arch, name: str, decoder: Decoder | None = None) -> tuple[Capture, ...]:
    """What the kernel must read for ``decoder`` (``name``'s own by default) to print a call."""
    decoder = decoder or decoder_for(arch, name)
    nargs = arch.nargs(name)
    pointers = _pointer_args(arch, name)
    ints = set(range(nargs)) - pointers
    args_a = tuple(_BASE * (i + 1) if i in pointers else _INTS_A[i] for i in range(nargs))
    args_b = tuple(_BASE * (i + 1) if i in pointers else _INTS_B[i] for i in range(nargs))
    run_a = _run(decoder, name, args_a, _RET_A, _LIMIT_A)
    run_b = _run(decoder, name, args_b, _RET_B, _LIMIT_B)
    found: dict[tuple[int, int], Capture] = {}
    for phase in (ENTRY, EXIT):
        sizes_b = {addr: size for addr, size, is_string, _ in run_b[phase] if not is_string}
        for addr, size_a, is_string, limit in run_a[phase]:
            owner = _owner(addr, pointers)
            if owner is None:
                continue  # a pointer read from captured memory (an iovec's buffer): not followed
            arg, offset = owner
            key = (arg, phase)
            if is_string:
                by_s = limit == _LIMIT_A
                found[key] = Capture(arg, phase, STRING, FIXED, 1, min(limit + 2, PAYLOAD), by_s)
                continue
            rule = _size_rule(size_a, sizes_b.get(addr, size_a), ints)
            if rule is None or key in found and found[key].kind == STRING:
                continue
            source, scale, cap = rule
            if source == FIXED:
                before = found.get(key)
                end = offset + size_a
                if before is not None and before.size_from != FIXED:
                    continue
                limit = max(end, before.limit if before else 0)
                found[key] = Capture(arg, phase, BYTES, FIXED, 1, min(limit, PAYLOAD), False)
            elif offset == 0:
                found[key] = Capture(arg, phase, BYTES, source, scale, min(cap or PAYLOAD, PAYLOAD), cap == 0)
    # a decoder may read only for a plausible size (a sigset of 8 bytes): every number 8, reads as found
    run_c = _run(decoder, name, tuple(a if i in pointers else 8 for i, a in enumerate(args_a)), 8, _LIMIT_A)
    for phase in (ENTRY, EXIT):
        for addr, size, is_string, _ in run_c[phase]:
            owner = _owner(addr, pointers)
            if owner is not None and (owner[0], phase) not in found and not is_string:
                found[(owner[0], phase)] = Capture(owner[0], phase, BYTES, FIXED, 1, owner[1] + size, False)
    return tuple(sorted(found.values(), key=lambda c: (c.phase, c.arg)))[:SLOTS]


def spec_value(captures: tuple[Capture, ...], traced: bool, never_returns: bool, string_limit: int,
               execs: tuple[int, int, int] | None = None) -> bytes:
    """The ``spec`` map's value for one syscall, with -s applied to the limits that follow it; ``execs``:
    an exec's argv and envp argument indexes and how many argv strings to read."""
    flags = (TRACED if traced else 0) | (NEVER_RETURNS if never_returns else 0) | (EXECS if execs else 0)
    argv, envp, strings = execs or (0, 0, 0)
    out = bytearray(struct.pack("<BBBBH2x", flags, argv, envp, strings, min(string_limit + 2, PAYLOAD)))
    for cap in captures:
        limit = cap.limit
        if cap.by_string_limit:
            limit = string_limit + 2 if cap.kind == STRING else max(string_limit, 1)
        out += _SLOT.pack(cap.arg, cap.phase, cap.kind, cap.size_from, cap.scale, min(limit, PAYLOAD))
    out += bytes(SPEC_SIZE - len(out))
    return bytes(out)
