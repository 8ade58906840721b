"""Decoders grouped by family; DECODERS maps a syscall name to its decoder."""

from __future__ import annotations

from ..base import Decoder
from . import file, mem, process, signal

DECODERS: dict[str, Decoder] = {}
for _family in (file, mem, process, signal):
    DECODERS.update(_family.DECODERS)
