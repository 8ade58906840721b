"""``-e trace=`` expressions turned into the set of syscall numbers to show."""

from __future__ import annotations

from .arch import Arch
from .errors import RenacerError


def parse_trace_set(expr: str, arch: Arch) -> frozenset[int] | None:
    """``open,close`` -> their numbers; ``all`` -> None (everything); ``none`` -> empty."""
    numbers: set[int] = set()
    items = [i for i in expr.split(",")]
    if expr.startswith(","):
        items = items[1:]
    for item in items:
        name = item.strip()
        if name == "all":
            return None
        if name == "none":
            continue
        nr = arch.numbers.get(name)
        if nr is None:
            raise RenacerError(f"invalid system call '{name}'")
        numbers.add(nr)
    return frozenset(numbers)
