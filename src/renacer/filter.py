"""``-e trace=`` expressions turned into the set of syscall numbers to show, with strace 6.1's rules.

The grammar, as observed from strace 6.1 (see docs/filtering.md):

- leading ``!`` characters negate the whole expression (each one toggles); a ``!`` anywhere
  else is part of an item, so ``%file,!close`` names an unknown syscall ``!close``;
- ``none`` alone (after the ``!``s) is the empty set; ``all`` is every call, as an item anywhere;
- the rest is split on commas, empty items skipped; nothing but commas is an error;
- an item: any number of ``?`` (ignore it if it selects nothing known), then a decimal syscall
  number, a ``/regex`` searched in every name, a ``%class``, a legacy bare class (``file``),
  or a syscall name; items are checked left to right and the first bad one is reported;
- a name strace knows only from its other personality on this arch (i386 and x32 on x86_64,
  32-bit arm on aarch64: ``open`` or ``stat`` on aarch64) is accepted and selects no call, and
  a regex that matches only such names is accepted too; the arch's tables say which names exist.
"""

from __future__ import annotations

import re
import warnings

from .arch import Arch
from .errors import RenacerError

_DECIMAL = re.compile(r"[0-9]+")
# POSIX bracket classes (regcomp) written the way Python's re understands them
_POSIX_CLASSES = {
    "[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:alnum:]": "a-zA-Z0-9", "[:upper:]": "A-Z",
    "[:lower:]": "a-z", "[:xdigit:]": "0-9A-Fa-f", "[:space:]": r" \t\n\r\f\v", "[:blank:]": r" \t",
    "[:punct:]": r"!-/:-@\[-`{-~",
}


def parse_trace_set(expr: str, arch: Arch) -> frozenset[int] | None:
    """The numbers ``expr`` selects (``%file,/^open``, ``!close``...); None means every syscall."""
    body = expr.lstrip("!")
    negated = (len(expr) - len(body)) % 2 == 1
    selected = frozenset() if body == "none" else _union(expr, body, arch)
    if not negated:
        return selected
    if selected is None:
        return frozenset()
    rest = frozenset(range(max(arch.syscalls, default=-1) + 1)) - selected
    return None if not selected else rest


def _union(expr: str, body: str, arch: Arch) -> frozenset[int] | None:
    """The union of the comma-separated items of ``body``; None when one of them is ``all``."""
    items = [item for item in body.split(",") if item]
    if not items:
        raise RenacerError(f"invalid system call '{expr}'")
    numbers: set[int] = set()
    everything = False
    for item in items:
        name = item.lstrip("?")
        if name == "all":
            everything = True
            continue
        found = _lookup(name, arch)
        if found is None and name == item:
            raise RenacerError(f"invalid system call '{item}'")
        numbers.update(found or ())
    return None if everything else frozenset(numbers)


def _lookup(name: str, arch: Arch) -> frozenset[int] | None:
    """The numbers one item selects, or None when it names nothing strace knows here."""
    if _DECIMAL.fullmatch(name):
        nr = int(name)
        return frozenset({nr}) if nr <= max(arch.syscalls, default=-1) else None
    if name.startswith("/"):
        return _matching(name[1:], arch)
    cls = arch.classes.get(name)
    if cls is not None:  # '%file', and the legacy bare spellings strace still accepts ('file')
        return frozenset(arch.numbers[n] for n in cls)
    if name in arch.numbers:
        return frozenset({arch.numbers[name]})
    if name in arch.other_names:
        return frozenset()
    return None


def _matching(pattern: str, arch: Arch) -> frozenset[int] | None:
    """Numbers of the names ``pattern`` matches (searched, as regexec does); None if it matches none."""
    regex = _compile(pattern)
    numbers = frozenset(nr for name, nr in arch.numbers.items() if regex.search(name))
    if not numbers and not any(regex.search(name) for name in arch.other_names):
        return None
    return numbers


def _compile(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled, or the RenacerError strace gives for a bad regex (even under ``?``)."""
    translated = pattern
    for posix, python in _POSIX_CLASSES.items():
        translated = translated.replace(posix, python)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # re's FutureWarnings about '[[' and the like
            return re.compile(translated)
    except re.error as e:
        raise RenacerError(f"regcomp: {pattern}: {e.msg}") from None
    except (OverflowError, RecursionError, ValueError) as e:
        raise RenacerError(f"regcomp: {pattern}: {e}") from None
