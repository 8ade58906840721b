"""Which decoder prints which syscall: the decoders built for the Arch's ABI, raw hex for the rest."""

from __future__ import annotations

from functools import cache

from ..arch import Arch
from .base import Decoder, raw
from .decoders import decoders_for


@cache
def _raw(nargs: int) -> Decoder:
    return raw(nargs)


def decoder_for(arch: Arch, name: str) -> Decoder:
    """The decoder for syscall ``name`` on ``arch``; one printing raw arguments if none is written yet."""
    dec = decoders_for(arch.abi).get(name)
    if dec is not None:
        return dec
    return _raw(arch.nargs(name))
