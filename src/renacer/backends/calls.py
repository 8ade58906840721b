"""A syscall's text, the same for every backend: options per call, decoders, -X styles, -y notes.

A backend hands over raw argument values and a MemoryReader (a stopped tracee's memory under
ptrace, the captured payload under eBPF); what is printed from them is decided here, once.
"""

from __future__ import annotations

import os

from ..arch import Arch
from ..config import Config
from ..fdinfo import annotation, path_text
from ..syscalls.base import AT_FDCWD, Call, DecodeOptions, Decoder, pointers_only, raw, result_text, ret_hex
from ..syscalls.catalog import decoder_for
from ..syscalls.xlat import xlat_style


def in_set(nr: int, numbers: frozenset[int] | None) -> bool:
    """Whether ``nr`` is in a syscall set where None means every syscall."""
    return numbers is None or nr in numbers


def fd_link(tid: int, fd: int) -> str | None:
    """The /proc link of task ``tid``'s descriptor ``fd`` (AT_FDCWD: its working directory), or None."""
    try:
        if fd == AT_FDCWD:
            return os.readlink(f"/proc/{tid}/cwd")
        return os.readlink(f"/proc/{tid}/fd/{fd}")
    except OSError:
        return None


def siginfo_text(info: bytes, style: str) -> str:
    """A delivered signal's ``{si_signo=..., ...}`` in -X ``style`` ('' without a siginfo)."""
    from ..syscalls.decoders.signal import siginfo_text as text  # signals are rare: load on first use

    if not info:
        return ""
    with xlat_style(style):
        return text(info)


class CallText:
    """Renders calls as strace does for one run's options."""

    def __init__(self, config: Config, arch: Arch) -> None:
        self.cfg, self.arch = config, arch
        self.opts = DecodeOptions(string_limit=config.string_limit, fd_paths=config.fd_paths,
                                  hex_strings=config.hex_strings)
        self._opts_by_nr: dict[int, DecodeOptions] = {}  # -e abbrev= / verbose= make them per call
        self._per_call_opts = config.abbrev is not None or config.verbose is not None
        self._sockets: dict[int, str] = {}  # -yy: a socket's endpoints as first shown, by inode

    def opts_for(self, nr: int) -> DecodeOptions:
        """The rendering options of syscall ``nr`` (-e abbrev= and -e verbose= may differ per call)."""
        if not self._per_call_opts:
            return self.opts
        opts = self._opts_by_nr.get(nr)
        if opts is None:
            base = self.opts
            opts = DecodeOptions(base.string_limit, base.fd_paths, in_set(nr, self.cfg.abbrev),
                                 in_set(nr, self.cfg.verbose), base.hex_strings)
            self._opts_by_nr[nr] = opts
        return opts

    def decoder(self, nr: int, name: str) -> Decoder:
        """The decoder of syscall ``nr``: its own, or every argument in hex under -e raw=."""
        decoder = decoder_for(self.arch, name)
        if nr in self.cfg.raw:
            return Decoder(raw(self.arch.nargs(name)).enter, ret=ret_hex, never_returns=decoder.never_returns)
        return decoder

    def decode(self, decoder: Decoder, call: Call, entering: bool) -> tuple[str, ...]:
        """The arguments shown at entry (``entering``) or added at exit, in the run's -X style."""
        if self.cfg.xlat_style != "abbrev":
            with xlat_style(self.cfg.xlat_style):
                return self._decode(decoder, call, entering)
        return self._decode(decoder, call, entering)

    def result(self, call: Call, decoder: Decoder) -> str:
        """What follows ' = ': the return value, its errno or its decoded meaning."""
        if self.cfg.xlat_style != "abbrev":
            with xlat_style(self.cfg.xlat_style):
                return result_text(call, decoder)
        return result_text(call, decoder)

    def _decode(self, decoder: Decoder, call: Call, entering: bool) -> tuple[str, ...]:
        try:
            if entering:
                pieces = decoder.enter(call)
                first = 0
                call.saved["entry_pieces"] = len(pieces)  # where the exit's arguments start
            else:
                pieces = decoder.exit(call) if decoder.exit else []
                first = int(call.saved.get("entry_pieces", 0))  # type: ignore[call-overload]
            if not call.opts.verbose:
                pieces = pointers_only(call, pieces, first)
            return tuple(pieces)
        except Exception:  # a decoder bug must not end the trace: fall back to raw arguments
            if not entering:
                return ()
            return tuple(raw(self.arch.nargs(call.name)).enter(call))

    def fd_note(self, tid: int, fd: int) -> str | None:
        """What -y/-yy print after descriptor ``fd``'s number: ``</etc/passwd>``, ``<TCP:[...]>``."""
        link = fd_link(tid, fd)
        if link is None:
            return None
        hex_strings = self.cfg.hex_strings
        if fd == AT_FDCWD:
            return f"<{path_text(link, hex_strings)}>"
        return annotation(tid, fd, link, self.cfg.fd_paths, self._sockets, hex_strings)
