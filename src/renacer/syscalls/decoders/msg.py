"""Decoders for data in vectors and messages: readv/writev, sendto/recvfrom, sendmsg/recvmsg."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
