"""Constant tables as data, and the one formatter that prints them strace's way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# -X: how a named constant prints. 'abbrev': the name; 'raw': the number; 'verbose': both.
# The one piece of rendering state decoders do not get in their Call: tables are printed from
# deep inside struct renderers, and the style is fixed for a whole run.
STYLE: ContextVar[str] = ContextVar("renacer_xlat_style", default="abbrev")


@contextmanager
def xlat_style(style: str) -> Iterator[None]:
    """Render constants in ``style`` inside the ``with`` block."""
    token = STYLE.set(style)
    try:
        yield
    finally:
        STYLE.reset(token)


def _hexnum(v: int) -> str:
    return f"{v:#x}" if v else "0"


def styled(number: str, text: str) -> str:
    """A constant's rendering under -X: ``text`` (abbrev), ``number`` (raw) or both (verbose)."""
    style = STYLE.get()
    if style == "abbrev" or number == text:
        return text
    return number if style == "raw" else f"{number} /* {text} */"


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
        if n is None:
            if STYLE.get() == "raw":  # the number alone, without a '/* X_??? */' note
                return fallback.split(" /*")[0].format(value)
            return fallback.format(value)
        if STYLE.get() == "abbrev":
            return n
        return styled(_hexnum(value), n)  # strace shows a named constant's number in hex

    def flags(self, value: int, zero: str = "0") -> str:
        """``value`` as ``A|B|0x40``: known bits by name, the rest in hex, ``zero`` when 0."""
        if STYLE.get() != "abbrev":
            with xlat_style("abbrev"):
                text = self.flags(value, zero)
            return styled(_hexnum(value), text)
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
