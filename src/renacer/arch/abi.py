"""Kernel ABI facts the decoders need that differ between architectures: struct layouts, flag
values, argument orders. An Arch carries one Abi; a decoder reads the facts from it and never asks
which machine it runs on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Abi:
    """One architecture's kernel ABI, as far as argument decoding needs it."""

    name: str


X86_64_ABI = Abi(name="x86_64")
AARCH64_ABI = Abi(name="aarch64")
