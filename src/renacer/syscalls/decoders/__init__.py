"""Decoders grouped by family; DECODERS maps a syscall name to its decoder."""

from __future__ import annotations

from ..base import Decoder
from . import events, fd, file, fileops, ioctl, ipc, mem, misc, msg, net, process, signal, stat, task, time

DECODERS: dict[str, Decoder] = {}
_FAMILIES = (file, stat, fd, ioctl, mem, process, signal, time, net, events, msg, fileops, task, ipc, misc)
for _family in _FAMILIES:
    DECODERS.update(_family.DECODERS)
