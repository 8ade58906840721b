"""Decoders for process control and identity: waitid, prctl, uid/gid, capabilities, sched_*, rusage..."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
