"""Readable names for mangled symbols: Rust (legacy and v0) and C++ (Itanium ABI).

``demangle`` never raises and gives a name back unchanged when it is not mangled or cannot be
decoded. The text matches ``c++filt -i`` (GNU binutils) with one deliberate difference: Rust
legacy ``$u..$`` escapes of non-ASCII characters are decoded (``größe``), as v0 names are.
Every decoder bounds its recursion and its output, so hostile names cost little.
"""

from __future__ import annotations

from collections.abc import Iterable

from .mangling.itanium import demangle_itanium
from .mangling.rust_legacy import demangle_legacy
from .mangling.rust_v0 import demangle_v0

_MAX_INPUT = 1 << 14  # longer "symbols" are not worth the time; real ones stay well below


def demangle(name: str) -> str:
    """The readable form of a mangled symbol name, or ``name`` itself."""
    if len(name) < 3 or name[0] != "_" or len(name) > _MAX_INPUT:
        return name
    symbol, at, version = name.partition("@")
    if at:  # 'sym@@GLIBCXX_3.4', 'sym@plt': the version stays as written
        return _demangle(symbol) + at + version
    return _demangle(name)


def _demangle(name: str) -> str:
    if len(name) < 3:
        return name
    try:
        if name[1] == "R":
            return demangle_v0(name) or name
        if name[1] == "Z":
            if name[2] == "N":
                legacy = demangle_legacy(name)
                if legacy is not None:
                    return legacy
            return demangle_itanium(name) or name
    except Exception:  # the decoders bound their work and report bad input as None; this is a backstop
        return name
    return name


def demangle_many(names: Iterable[str]) -> list[str]:
    """``demangle`` over many names, decoding each distinct name once."""
    seen: dict[str, str] = {}
    out = []
    for name in names:
        text = seen.get(name)
        if text is None:
            text = seen[name] = demangle(name)
        out.append(text)
    return out
