"""The perf_event_open decoder: struct perf_event_attr as strace prints it, abbreviated unless -v."""

from __future__ import annotations

import struct

from ..base import INT, Call, Decoder, hexnum, noted_flags_text, noted_value_text, out, ret_fd, sig
from ..format import ptr
from ..xlat.perf import (
    HW_BREAKPOINT_TYPES,
    PERF_ATTR_BITS,
    PERF_ATTR_SIZES,
    PERF_BRANCH_TYPES,
    PERF_FLAGS,
    PERF_HW_CACHE_IDS,
    PERF_HW_CACHE_OPS,
    PERF_HW_CACHE_RESULTS,
    PERF_HW_IDS,
    PERF_PRECISE_IP,
    PERF_READ_FORMATS,
    PERF_SAMPLE_BRANCH_STACK,
    PERF_SAMPLE_STACK_USER,
    PERF_SAMPLE_TYPES,
    PERF_SW_IDS,
    PERF_TYPE_BREAKPOINT,
    PERF_TYPE_HARDWARE,
    PERF_TYPE_HW_CACHE,
    PERF_TYPE_SOFTWARE,
    PERF_TYPE_TRACEPOINT,
    PERF_TYPES,
)
from ..xlat.time import CLOCKS

ATTR_SIZE_VER0, ATTR_SIZE_KNOWN = 64, 128
E2BIG = 7
_ATTR = "<IIQQQQQIIQQQQIiQIHHIIQ"
_SAVED = "perf_attr"
_FREQ_BIT, _WATERMARK_BIT, _CLOCKID_BIT, _PRECISE_SHIFT = 10, 14, 25, 15
_RESERVED_1_SHIFT = len(PERF_ATTR_BITS)


def _config(kind: int, config: int) -> str:
    """The event: named for the generic types, ``RESULT<<16|OP<<8|CACHE`` for cache events."""
    if kind == PERF_TYPE_TRACEPOINT:
        return str(config)
    if kind not in (PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE, PERF_TYPE_HW_CACHE):
        return hexnum(config)
    high, low = config >> 32, config & 0xFFFFFFFF
    if kind == PERF_TYPE_SOFTWARE:
        return noted_value_text(PERF_SW_IDS, config, "PERF_COUNT_SW_???")
    prefix = f"{high:#x}<<32|" if high else ""
    if kind == PERF_TYPE_HARDWARE:
        return prefix + noted_value_text(PERF_HW_IDS, low, "PERF_COUNT_HW_???")
    result = noted_value_text(PERF_HW_CACHE_RESULTS, low >> 16 & 0xFF, "PERF_COUNT_HW_CACHE_RESULT_???")
    op = noted_value_text(PERF_HW_CACHE_OPS, low >> 8 & 0xFF, "PERF_COUNT_HW_CACHE_OP_???")
    cache = noted_value_text(PERF_HW_CACHE_IDS, low & 0xFF, "PERF_COUNT_HW_CACHE_???")
    return f"{prefix}{result}<<16|{op}<<8|{cache}"


def _size(v: int) -> str:
    return noted_value_text(PERF_ATTR_SIZES, v, "PERF_ATTR_SIZE_???")


def _bits(flags: int, verbose: bool) -> list[str]:
    """The one-bit members; without -v only those set, but precise_ip always."""
    parts = []
    for bit, name in enumerate(PERF_ATTR_BITS):
        if bit == _PRECISE_SHIFT + 1:
            continue
        if bit == _PRECISE_SHIFT:
            precise = flags >> bit & 3
            parts.append(f"precise_ip={precise} /* {PERF_PRECISE_IP[precise]} */")
        elif verbose or flags >> bit & 1:
            parts.append(f"{name}={flags >> bit & 1}")
    reserved = flags >> _RESERVED_1_SHIFT
    if reserved:
        parts.append(f"__reserved_1={reserved:#x} /* Bits 63..{_RESERVED_1_SHIFT} */")
    return parts


def _padding(first: int, last: int, value: int) -> str:
    """Reserved bytes after a member, shown only when set: `` /* bytes 110..111: 0x3 */``."""
    return f" /* bytes {first}..{last}: {value:#x} */" if value else ""


def _tail(t: tuple[int, ...], size: int) -> list[str]:
    """The members after the flags word (-v only), as far as the caller's size reaches."""
    (kind, _, _, _, sample_type, _, flags, wakeup, bp_type, config1, config2, branch, regs_user,
     stack_user, clockid, regs_intr, aux_watermark, max_stack, reserved_2, aux_sample, reserved_3,
     sig_data) = t
    breakpoint = kind == PERF_TYPE_BREAKPOINT
    members: list[tuple[int, str, bool]] = [  # (offset, text, shown)
        (48, f"wakeup_{'watermark' if flags >> _WATERMARK_BIT & 1 else 'events'}={wakeup}", True),
        (52, f"bp_type={noted_value_text(HW_BREAKPOINT_TYPES, bp_type, 'HW_BREAKPOINT_???')}", breakpoint),
        (56, f"bp_addr={hexnum(config1)}" if breakpoint else f"config1={hexnum(config1)}", True),
        (64, f"bp_len={config2}" if breakpoint else f"config2={hexnum(config2)}", True),
        (72, f"branch_sample_type={noted_flags_text(PERF_BRANCH_TYPES, branch, 'PERF_SAMPLE_BRANCH_???')}",
         bool(sample_type & PERF_SAMPLE_BRANCH_STACK)),
        (80, f"sample_regs_user={hexnum(regs_user)}", True),
        (88, f"sample_stack_user={hexnum(stack_user)}", bool(sample_type & PERF_SAMPLE_STACK_USER)),
        (92, f"clockid={noted_value_text(CLOCKS, clockid & 0xFFFFFFFF, 'CLOCK_???')}",
         bool(flags >> _CLOCKID_BIT & 1)),
        (96, f"sample_regs_intr={hexnum(regs_intr)}", True),
        (104, f"aux_watermark={aux_watermark}", True),
        (108, f"sample_max_stack={max_stack}{_padding(110, 111, reserved_2)}", True),
        (112, f"aux_sample_size={aux_sample}{_padding(116, 119, reserved_3)}", True),
        (120, f"sig_data={hexnum(sig_data)}", True),
    ]
    return [text for offset, text, shown in members if shown and offset < size]


def attr_text(c: Call, data: bytes, now_size: int | None) -> str:
    """The struct from the bytes read at entry; ``now_size``: the size the kernel wrote back."""
    t = struct.unpack(_ATTR, data[:ATTR_SIZE_KNOWN].ljust(ATTR_SIZE_KNOWN, b"\0"))
    kind, size, config, period, sample_type, read_format, flags = t[:7]
    size_text = _size(size) + (f" => {_size(now_size)}" if now_size is not None and now_size != size else "")
    freq = flags >> _FREQ_BIT & 1
    parts = [
        f"type={noted_value_text(PERF_TYPES, kind, 'PERF_TYPE_???')}",
        f"size={size_text}",
        f"config={_config(kind, config)}",
        f"sample_{'freq' if freq else 'period'}={period}",
        f"sample_type={noted_flags_text(PERF_SAMPLE_TYPES, sample_type, 'PERF_SAMPLE_???')}",
        f"read_format={noted_flags_text(PERF_READ_FORMATS, read_format, 'PERF_FORMAT_???')}",
        *_bits(flags, verbose=not c.opts.abbrev),
    ]
    if c.opts.abbrev:
        parts.append("...")
    else:
        parts += _tail(t, size or ATTR_SIZE_VER0)
        if any(data[ATTR_SIZE_KNOWN:]):
            parts.append("...")
    return "{" + ", ".join(parts) + "}"


def _read_attr(c: Call, addr: int) -> bytes | None:
    """The attr as the caller passed it, up to its size (64 when 0); None if unreadable or too short."""
    head = c.mem.read(addr, 8) if addr else None
    if head is None or len(head) < 8:
        return None
    size = struct.unpack_from("<I", head, 4)[0] or ATTR_SIZE_VER0
    if size < ATTR_SIZE_VER0:
        return None
    want = min(size, 4096)
    data = c.mem.read(addr, want)
    if data is None or len(data) < min(want, ATTR_SIZE_KNOWN):
        return None
    return data


def _perf_enter(c: Call) -> list[str]:
    """Nothing yet: the struct prints at exit, where the kernel may have written its size back."""
    c.saved[_SAVED] = _read_attr(c, c.args[0])
    return []


def ATTR(c: Call, i: int) -> str:
    data = c.saved.get(_SAVED)
    addr = c.args[i]
    if not isinstance(data, bytes) or not c.opts.verbose:
        return "NULL" if addr == 0 else ptr(addr)
    now = None
    if c.error == E2BIG:
        got = c.mem.read(addr + 4, 4)
        now = struct.unpack("<I", got)[0] if got and len(got) == 4 else None
    return attr_text(c, data, now)


def _perf_flags(c: Call, i: int) -> str:
    return noted_flags_text(PERF_FLAGS, c.args[i], "PERF_FLAG_???")


_PRINT = sig(out(ATTR), out(INT), out(INT), out(INT), out(_perf_flags), ret=ret_fd)
DECODERS: dict[str, Decoder] = {
    "perf_event_open": Decoder(_perf_enter, _PRINT.exit, ret=ret_fd),
}
