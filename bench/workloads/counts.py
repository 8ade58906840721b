"""The -c tables of a run (strace's format, which renacer prints too) and how two tracers' compare."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Table = dict[str, tuple[int, int]]  # syscall name -> (calls, errors)


@dataclass(frozen=True, slots=True)
class CountDifference:
    """A syscall whose calls (or errors) differ between the oracle's runs and another tracer's."""

    name: str
    field: str  # "calls" or "errors"
    oracle: tuple[int, ...]  # the distinct values over the oracle's runs, sorted
    other: tuple[int, ...]

    @property
    def oracle_varies(self) -> bool:
        """Whether the oracle itself counted differently from one run to the next."""
        return len(self.oracle) > 1

    def text(self) -> str:
        """One line: the name, both tracers' values, and whether the oracle varies too."""
        def span(values: tuple[int, ...]) -> str:
            return str(values[0]) if len(values) == 1 else f"{values[0]}..{values[-1]}"
        note = " (varies between strace runs too)" if self.oracle_varies else ""
        suffix = "" if self.field == "calls" else " errors"
        return f"{self.name}{suffix}: strace {span(self.oracle)}, renacer {span(self.other)}{note}"


def parse_table(text: str) -> Table:
    """The rows of a -c table: `% time  seconds  usecs/call  calls  [errors]  syscall`."""
    table: Table = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) not in (5, 6) or fields[-1] == "total" or not fields[3].isdigit():
            continue
        errors = int(fields[4]) if len(fields) == 6 else 0
        table[fields[-1]] = (int(fields[3]), errors)
    return table


def read_table(path: Path) -> Table:
    """The -c table a tracer wrote to `path` (empty if it wrote none)."""
    return parse_table(path.read_text(errors="replace")) if path.exists() else {}


def compare(oracle: list[Table], other: list[Table]) -> list[CountDifference]:
    """Per syscall, calls then errors: where the distinct values over the runs differ (a missing name
    counts 0); a value the oracle itself varies on is listed too, marked by `oracle_varies`."""
    names = sorted({name for table in [*oracle, *other] for name in table})
    out: list[CountDifference] = []
    for index, field in enumerate(("calls", "errors")):
        for name in names:
            mine = tuple(sorted({t.get(name, (0, 0))[index] for t in oracle}))
            theirs = tuple(sorted({t.get(name, (0, 0))[index] for t in other}))
            if mine != theirs or len(mine) > 1:
                out.append(CountDifference(name, field, mine, theirs))
    return out
