"""Decoders for the file calls beyond open/read/write: openat2, sendfile, splice, fallocate, utimensat..."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
