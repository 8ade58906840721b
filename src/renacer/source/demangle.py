"""Readable names for mangled symbols: Rust (legacy and v0) and C++ (Itanium ABI).

``demangle`` never raises and gives a name back unchanged when it is not mangled or cannot be
decoded. The text matches ``c++filt -i`` (GNU binutils): Rust names without the legacy hash or
crate disambiguators, ``std::string`` for ``Ss``. Deliberate differences, where c++filt is
wrong or unhelpful: Rust legacy ``$u..$`` escapes of non-ASCII characters are decoded
(``größe``, as v0 names are), an empty pack among function parameters leaves no empty slot,
and a few malformed corner cases (see tests/test_demangle.py: DIFFERENCES). Every decoder
bounds its recursion, its work and its output, so hostile names cost little.
"""

from __future__ import annotations

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
    """Pick the scheme by prefix: ``_R`` is v0; ``_ZN`` may be legacy Rust, else C++."""
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
