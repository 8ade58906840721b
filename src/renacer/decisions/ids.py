"""Decision ids: FNV-1a 64 over ``category::name::file::`` and the line as 4 little-endian bytes."""

from __future__ import annotations

import struct

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


def fnv1a64(data: bytes) -> int:
    """FNV-1a, 64 bits: xor each byte in, then multiply by the prime."""
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & _MASK
    return h


def decision_id(category: str, name: str, file: str, line: int) -> int:
    """The id a transpiler gives the decision ``category::name`` made at ``file:line``."""
    text = f"{category}::{name}::{file}::".encode("utf-8", "surrogateescape")
    return fnv1a64(text + struct.pack("<I", line & 0xFFFFFFFF))


def id_hex(value: int) -> str:
    """An id as the manifest keys it: 16 lower-case hex digits."""
    return f"{value & _MASK:016x}"


def parse_id(value: object) -> int | None:
    """An id written as a number or as hex text ('0x' optional); None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value & _MASK if value >= 0 else None
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("0x")
        if text and len(text) <= 16 and all(c in "0123456789abcdef" for c in text):
            return int(text, 16)
    return None
