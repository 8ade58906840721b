"""Decoders grouped by family; DECODERS maps a syscall name to its decoder."""

from __future__ import annotations

from ..base import Decoder
from . import events, fd, file, ioctl, mem, msg, net, process, signal, stat, time

DECODERS: dict[str, Decoder] = {}
for _family in (file, stat, fd, ioctl, mem, process, signal, time, net, events, msg):
    DECODERS.update(_family.DECODERS)
