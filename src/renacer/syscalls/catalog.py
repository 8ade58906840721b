"""Which decoder prints which syscall: the families' tables merged, raw hex for the rest."""

from __future__ import annotations

from functools import cache

from ..arch import Arch
from .base import Decoder, raw
from .decoders import DECODERS


@cache
def _raw(nargs: int) -> Decoder:
    return raw(nargs)


def decoder_for(arch: Arch, name: str) -> Decoder:
    """The decoder for syscall ``name``; one printing raw arguments if none is written yet."""
    dec = DECODERS.get(name)
    if dec is not None:
        return dec
    return _raw(arch.nargs(name))
