"""Decoders grouped by family; ``decoders_for(abi)`` maps a syscall name to its decoder on one arch.

Most decoders are the same everywhere. A family whose struct layouts or flag values depend on
the kernel ABI has an ``abi_decoders(abi)`` that builds those decoders from the Abi's facts.
"""

from __future__ import annotations

from functools import cache

from ...arch.abi import X86_64_ABI, Abi
from ..base import Decoder
from . import (
    events,
    fd,
    file,
    fileops,
    ioctl,
    ipc,
    mem,
    misc,
    mqueue,
    msg,
    net,
    process,
    ptrace,
    signal,
    stat,
    task,
    time,
)

_FAMILIES = (file, stat, fd, ioctl, mem, process, signal, time, net, events, msg, fileops, task, ipc, misc)
_ABI_FAMILIES = (file, stat, fd, mem, process, signal, events, fileops, ipc, mqueue, ptrace)

_COMMON: dict[str, Decoder] = {}
for _family in _FAMILIES:
    _COMMON.update(_family.DECODERS)


@cache
def decoders_for(abi: Abi) -> dict[str, Decoder]:
    """Every written decoder, those that depend on the ABI built for ``abi`` (once per Abi)."""
    table = dict(_COMMON)
    for family in _ABI_FAMILIES:
        table.update(family.abi_decoders(abi))
    return table


# x86_64's table, for callers that decode without an Arch (the decoder unit tests)
DECODERS: dict[str, Decoder] = decoders_for(X86_64_ABI)
