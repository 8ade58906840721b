"""strace's text conventions: quoting strings, numbers, pointers and errors."""

from __future__ import annotations

_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def _octal(c: int, next_is_octal_digit: bool) -> str:
    # strace uses the shortest octal form unless the next byte is an octal digit.
    if next_is_octal_digit:
        return f"\\{c:03o}"
    return f"\\{c:o}"


# Bytes -x does not count as binary: the printable ones and those with a C escape.
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | frozenset(_ESCAPES)


def quote(data: bytes, truncated: bool = False, force_hex: bool = False, hex_strings: int = 0) -> str:
    """``data`` as strace prints a string: quoted, escaped, ``...`` after it if truncated.

    ``hex_strings`` is -x (1: all in hex if any byte is binary) or -xx (2: always hex).
    """
    if hex_strings == 1 and not force_hex:
        force_hex = not _TEXT_BYTES.issuperset(data)
    if force_hex or hex_strings == 2:
        body = "".join(f"\\x{c:02x}" for c in data)
    else:
        out: list[str] = []
        n = len(data)
        for i, c in enumerate(data):
            if 0x20 <= c < 0x7F and c != 0x22 and c != 0x5C:
                out.append(chr(c))
            elif c in _ESCAPES:
                out.append(_ESCAPES[c])
            else:
                nxt = data[i + 1] if i + 1 < n else 0
                out.append(_octal(c, 0x30 <= nxt <= 0x37))
        body = "".join(out)
    return f'"{body}"...' if truncated else f'"{body}"'


def quote_hex_all(data: bytes, truncated: bool = False) -> str:
    """Every byte as ``\\xNN`` (strace's -xx, and getrandom's buffers)."""
    return quote(data, truncated, force_hex=True)


def s32(v: int) -> int:
    """A raw register value read as a C ``int``."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def s64(v: int) -> int:
    """A raw register value read as a C ``long``."""
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v & (1 << 63) else v


def u32(v: int) -> int:
    return v & 0xFFFFFFFF


def ptr(v: int) -> str:
    """A pointer as strace prints it: ``NULL`` or ``0x7ffd...``."""
    return "NULL" if v == 0 else f"{v:#x}"


def octal_mode(v: int) -> str:
    """A file mode as strace prints it: ``0644``, ``000``."""
    return f"0{v:o}" if v else "000"
