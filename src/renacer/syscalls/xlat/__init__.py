"""Constant tables as data, and the one formatter that prints them strace's way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Xlat:
    """A table of (value, name) pairs: either distinct values or flag bits."""

    entries: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, *entries: tuple[int, str]) -> Xlat:
        return cls(tuple(entries))

    def name(self, value: int) -> str | None:
        """The name of ``value`` taken as a whole, or None."""
        for v, n in self.entries:
            if v == value:
                return n
        return None

    def value(self, value: int, fallback: str = "{:#x}") -> str:
        """``value``'s name, or ``fallback`` formatted with the number (strace prints hex)."""
        n = self.name(value)
        return n if n is not None else fallback.format(value)

    def flags(self, value: int, zero: str = "0") -> str:
        """``value`` as ``A|B|0x40``: known bits by name, the rest in hex, ``zero`` when 0."""
        if value == 0:
            n = self.name(0)
            return n if n is not None else zero
        parts: list[str] = []
        rest = value
        for v, n in self.entries:
            if v and (rest & v) == v:
                parts.append(n)
                rest &= ~v
        if rest:
            parts.append(f"{rest:#x}")
        return "|".join(parts)
