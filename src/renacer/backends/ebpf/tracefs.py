"""Tracepoint records as this kernel lays them out: ids and field offsets read from tracefs, never assumed.

A perf-attached tracepoint program is handed the tracepoint's record, whose layout the kernel
prints in ``events/CATEGORY/EVENT/format``, one line a field::

    field:pid_t child_pid;	offset:20;	size:4;	signed:1;

Offsets move between kernel versions (sched_process_fork's comm fields became ``__data_loc``
strings, which moved ``child_pid`` from 44 to 20) and fields come and go (``group_dead`` in
sched_process_exit is recent), so every program reads its offsets from a TracepointLayout, which
also checks that each field is the size the program loads. Raw tracepoints are different: their
programs get the tracepoint's TP_PROTO arguments, the same on every architecture and kernel.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache

from ...errors import RenacerError

TRACEFS = ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")

_FIELD = re.compile(r"field:(?P<decl>[^;]+);\s*offset:(?P<off>\d+);\s*size:(?P<size>\d+);")


class TracefsError(RenacerError):
    """A tracepoint renacer needs is missing, unreadable, or not laid out as its programs need."""

    def __init__(self, message: str, err: int = 0) -> None:
        super().__init__(message)
        self.errno = err


@dataclass(frozen=True, slots=True)
class TracepointLayout:
    """One tracepoint's record: each field's (offset, size), as its tracefs format file says."""

    where: str  # "category:event", for messages
    fields: dict[str, tuple[int, int]]

    def has(self, name: str) -> bool:
        """Whether this kernel's record has the field ``name``."""
        return name in self.fields

    def offset(self, name: str, size: int) -> int:
        """Where the field ``name`` starts; TracefsError unless it is there and ``size`` bytes long."""
        found = self.fields.get(name)
        if found is None:
            have = ", ".join(n for n in self.fields if not n.startswith("common_")) or "none"
            raise TracefsError(f"the tracepoint {self.where} has no field {name} on this kernel "
                               f"(its tracefs format lists: {have})")
        offset, actual = found
        if actual != size:
            raise TracefsError(f"the tracepoint {self.where}'s field {name} is {actual} bytes on this "
                               f"kernel, not the {size} renacer reads")
        return offset


def parse_format(where: str, text: str) -> TracepointLayout:
    """The layout a tracefs ``format`` file's text describes (``where``: "category:event")."""
    fields: dict[str, tuple[int, int]] = {}
    for m in _FIELD.finditer(text):
        # the name is the declaration's last word, without an array's brackets: "char comm[16]" -> comm
        name = m["decl"].split()[-1].split("[")[0]
        fields[name] = (int(m["off"]), int(m["size"]))
    return TracepointLayout(where, fields)


@cache
def tracefs() -> str | None:
    """Where tracefs is mounted, or None."""
    for root in TRACEFS:
        if os.path.isdir(os.path.join(root, "events")):
            return root
    return None


def event_file(category: str, event: str, leaf: str) -> str:
    """The text of ``events/category/event/leaf`` (``id`` or ``format``) in tracefs."""
    root = tracefs()
    if root is None:
        raise TracefsError("tracefs is not mounted (/sys/kernel/tracing)")
    path = os.path.join(root, "events", category, event, leaf)
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        raise TracefsError(f"the tracepoint {category}:{event}: {path}: {e.strerror}", e.errno or 0) from None


def tracepoint_layout(category: str, event: str) -> TracepointLayout:
    """This kernel's record layout of the tracepoint ``category:event``."""
    return parse_format(f"{category}:{event}", event_file(category, event, "format"))


def tracepoint_fields(category: str, event: str) -> dict[str, tuple[int, int]]:
    """Each field of a tracepoint's record: name -> (offset, size), as its tracefs format says."""
    return tracepoint_layout(category, event).fields
