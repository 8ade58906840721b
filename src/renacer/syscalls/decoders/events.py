"""Decoders for waiting on events: poll, select, epoll, eventfd, timerfd, signalfd, inotify."""

from __future__ import annotations

from ..base import Decoder

DECODERS: dict[str, Decoder] = {}
