"""The call-frame rules of one module: its .eh_frame (indexed by .eh_frame_hdr) and .debug_frame.

``.eh_frame_hdr``'s sorted search table (LSB) lets the first lookup of a pc go straight to its
FDE; without it (or when it is damaged) the section is scanned once. Rows found are remembered
per pc, since return addresses repeat.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from .cfi import CfiError, FrameSection, Row

MEMO_SIZE = 1 << 14  # pcs whose row lookup is remembered per module
_MASK = (1 << 64) - 1


def search_table(hdr: bytes, hdr_addr: int, eh: FrameSection) -> tuple[list[int], list[int]] | None:
    """.eh_frame_hdr's sorted (initial location, FDE offset in .eh_frame) table, or None."""
    if len(hdr) < 4 or hdr[0] != 1:
        return None
    ptr_enc, count_enc, table_enc = hdr[1], hdr[2], hdr[3]
    if ptr_enc == 0xFF or count_enc == 0xFF or table_enc == 0xFF:
        return None
    view = FrameSection(hdr, hdr_addr, True, eh.address_size)
    try:
        _, pos = view._encoded(4, ptr_enc)
        count, pos = view._encoded(pos, count_enc)
        if table_enc == 0x3B:  # datarel sdata4, what every linker writes: decode in one pass
            if pos + 8 * count > len(hdr):
                return None
            words = struct.unpack_from(f"<{2 * count}i", hdr, pos)
            pcs = [(w + hdr_addr) & _MASK for w in words[0::2]]
            offsets = [w + hdr_addr - eh.addr for w in words[1::2]]
        else:
            return None  # other table encodings: scan .eh_frame instead
    except (CfiError, struct.error, IndexError):
        return None
    if any(a > b for a, b in zip(pcs, pcs[1:], strict=False)):
        return None  # not sorted: a damaged table would misdirect the bisect
    return pcs, offsets


class FrameTable:
    """The call-frame rules of one module: .eh_frame first, then .debug_frame."""

    def __init__(self, eh_frame: tuple[bytes, int] | None = None,
                 eh_frame_hdr: tuple[bytes, int] | None = None,
                 debug_frame: tuple[bytes, int] | None = None, address_size: int = 8,
                 fallback: Callable[[], tuple[bytes, int] | None] | None = None) -> None:
        """``fallback``: a .debug_frame from elsewhere (a separate debug file), asked at the first miss."""
        self.address_size = address_size
        self.sections: list[FrameSection] = []
        self._fallback = fallback
        self._memo: dict[int, Row | None] = {}
        if eh_frame is not None:
            eh = FrameSection(eh_frame[0], eh_frame[1], True, address_size)
            table = search_table(*eh_frame_hdr, eh) if eh_frame_hdr is not None else None
            if table is not None:
                eh.use_index(*table)
            self.sections.append(eh)
        if debug_frame is not None:
            self.sections.append(FrameSection(debug_frame[0], debug_frame[1], False, address_size))

    def row(self, pc: int) -> Row | None:
        """The row for a link-time ``pc``, or None when no CFI covers it."""
        try:
            return self._memo[pc]
        except KeyError:
            pass
        found = None
        for section in self.sections:
            found = section.row(pc)
            if found is not None:
                break
        if found is None and self._fallback is not None:
            more, self._fallback = self._fallback(), None
            if more is not None:
                self.sections.append(FrameSection(more[0], more[1], False, self.address_size))
                found = self.sections[-1].row(pc)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[pc] = found  # return addresses repeat: the next lookup is one dict access
        return found
