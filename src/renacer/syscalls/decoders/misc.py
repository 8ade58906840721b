"""Decoders for the system-wide calls: syslog, reboot, seccomp, bpf, perf_event_open, io_uring."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
