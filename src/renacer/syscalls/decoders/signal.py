"""Decoders: signal family."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
