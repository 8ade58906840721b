"""Decoders for System V IPC (shm, sem, msg) and POSIX message queues."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
