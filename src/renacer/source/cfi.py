"""Call-frame information of one module: .eh_frame / .debug_frame rules, decoded per FDE on demand.

Formats from DWARF 5 section 6.4 (CIE, FDE, DW_CFA_*) and the LSB's .eh_frame additions
(augmentation strings, DW_EH_PE_* pointer encodings, .eh_frame_hdr's sorted search table).
Only the FDE a pc falls into is decoded; its rows are kept, so the next lookup is two bisects.
A module's sections together, with .eh_frame_hdr's index, are a ``frametable.FrameTable``.
Damaged data makes a lookup return None (no rule), never an exception.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass

from .dwarfexpr import read_sleb, read_uleb

# Register rule kinds (DWARF 5, 6.4.1).
UNDEFINED, SAME_VALUE, OFFSET, VAL_OFFSET, REGISTER, EXPRESSION, VAL_EXPRESSION = range(7)

_U8, _U16, _U32, _U64 = struct.Struct("<B"), struct.Struct("<H"), struct.Struct("<I"), struct.Struct("<Q")
_S16, _S32, _S64 = struct.Struct("<h"), struct.Struct("<i"), struct.Struct("<q")
_FIXED = {0x02: _U16, 0x03: _U32, 0x04: _U64, 0x0A: _S16, 0x0B: _S32, 0x0C: _S64}  # DW_EH_PE_ formats
_MASK = (1 << 64) - 1
_MAX_STATE_STACK = 64  # DW_CFA_remember_state nesting kept; deeper is treated as damage


class CfiError(Exception):
    """Internal: the bytes do not decode; lookups turn it into 'no rule'."""


@dataclass(frozen=True, slots=True)
class Row:
    """How to find the caller's registers at one pc: the CFA rule and each register's rule."""

    cfa_reg: int  # -1 when the CFA is an expression
    cfa_offset: int
    cfa_expr: bytes  # DW_CFA_def_cfa_expression's block; b'' otherwise
    rules: tuple[tuple[int, int, int | bytes], ...]  # (register, kind, N / R / expression block)
    ra: int  # the return-address column
    signal: bool  # the CIE's 'S' augmentation: this frame is a signal trampoline
    # the common shape, precomputed for the unwinder's fast path: CFA = register + offset and
    # every rule (the return address's included) an offset(N) -> ((register, N), ...); else None
    saved: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class Cie:
    """A Common Information Entry: what its FDEs share."""

    code_align: int
    data_align: int
    ra: int
    fde_enc: int
    augmented: bool  # 'z': FDEs carry an augmentation length
    signal: bool
    start: int  # initial instructions [start, end)
    end: int


@dataclass(frozen=True, slots=True)
class _Fde:
    cie: Cie
    pc_begin: int
    pc_end: int
    start: int  # instructions [start, end)
    end: int


@dataclass(frozen=True, slots=True)
class _Rows:
    locs: list[int]
    rows: list[Row]
    end: int  # first pc the rows no longer describe


class FrameSection:
    """One .eh_frame or .debug_frame section: entries parsed and executed on demand."""

    def __init__(self, data: bytes, addr: int, is_eh: bool, address_size: int = 8) -> None:
        self.data = data
        self.addr = addr
        self.is_eh = is_eh
        self.address_size = address_size
        self._cies: dict[int, Cie | None] = {}
        self._rows: dict[int, _Rows | None] = {}
        self._index: tuple[list[int], list[int]] | None = None  # sorted pc_begin, entry offsets

    # -- encoded values -------------------------------------------------------------

    def _encoded(self, pos: int, enc: int) -> tuple[int, int]:
        """A DW_EH_PE_-encoded pointer at ``pos``: (value, next position)."""
        data = self.data
        fmt, app = enc & 0x0F, enc & 0x70
        if app == 0x50:  # aligned
            pos = -(-pos // self.address_size) * self.address_size
        at = pos
        if fmt == 0x00:
            size = self.address_size
            value = int.from_bytes(data[pos : pos + size], "little")
            if pos + size > len(data):
                raise CfiError("pointer past the end")
            pos += size
        elif fmt == 0x01:
            value, pos = read_uleb(data, pos)
        elif fmt == 0x09:
            value, pos = read_sleb(data, pos)
        elif fmt in _FIXED:
            s = _FIXED[fmt]
            if pos + s.size > len(data):
                raise CfiError("pointer past the end")
            value = s.unpack_from(data, pos)[0]
            pos += s.size
        else:
            raise CfiError(f"pointer format {fmt:#x}")
        if app == 0x10:  # pcrel: relative to the field's own address
            value += self.addr + at
        elif app not in (0x00, 0x50):
            raise CfiError(f"pointer application {app:#x}")  # textrel/datarel/funcrel: not in CFI
        return value & _MASK, pos

    # -- entries ---------------------------------------------------------------------

    def _header(self, off: int) -> tuple[int, int, int, int]:
        """(end of entry, id field value, id field position, position after it) of the entry at off."""
        data = self.data
        if off < 0 or off + 4 > len(data):
            raise CfiError("entry out of the section")
        length = _U32.unpack_from(data, off)[0]
        pos, idsize = off + 4, 4
        if length == 0xFFFFFFFF:  # 64-bit DWARF
            if pos + 8 > len(data):
                raise CfiError("truncated length")
            length = _U64.unpack_from(data, pos)[0]
            pos, idsize = pos + 8, 8
        end = pos + length
        if length == 0 or end > len(data) or pos + idsize > end:
            raise CfiError("bad entry length")
        ident = (_U32 if idsize == 4 else _U64).unpack_from(data, pos)[0]
        return end, ident, pos, pos + idsize

    def _is_cie(self, ident: int) -> bool:
        return ident == 0 if self.is_eh else ident in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)

    def _cie(self, off: int) -> Cie | None:
        if off not in self._cies:
            try:
                self._cies[off] = self._parse_cie(off)
            except (CfiError, struct.error, IndexError):
                self._cies[off] = None
        return self._cies[off]

    def _parse_cie(self, off: int) -> Cie:
        data = self.data
        end, ident, _, pos = self._header(off)
        if not self._is_cie(ident):
            raise CfiError("not a CIE")
        version = data[pos]
        nul = data.find(b"\0", pos + 1, end)
        if nul < 0:
            raise CfiError("augmentation string unterminated")
        aug = data[pos + 1 : nul].decode("latin-1")
        pos = nul + 1
        if version >= 4:
            pos += 2  # address_size, segment_selector_size
        code_align, pos = read_uleb(data, pos)
        data_align, pos = read_sleb(data, pos)
        if version == 1:
            ra, pos = data[pos], pos + 1
        else:
            ra, pos = read_uleb(data, pos)
        fde_enc = 0x00  # absptr unless 'R' says otherwise
        signal = False
        if aug.startswith("z"):
            auglen, pos = read_uleb(data, pos)
            aug_end = pos + auglen
            for ch in aug[1:]:
                if ch == "R":
                    fde_enc, pos = data[pos], pos + 1
                elif ch == "L":
                    pos += 1
                elif ch == "P":
                    _, pos = self._encoded(pos + 1, data[pos] & 0x7F)  # indirection does not matter here
                elif ch == "S":
                    signal = True
                elif ch not in "BG":
                    break  # unknown letters: the length tells where the data ends
            pos = aug_end
        elif aug:
            raise CfiError(f"augmentation {aug!r}")
        if pos > end:
            raise CfiError("CIE overruns its length")
        return Cie(code_align, data_align, ra, fde_enc, aug.startswith("z"), signal, pos, end)

    def _fde(self, off: int) -> _Fde:
        data = self.data
        end, ident, idpos, pos = self._header(off)
        if self._is_cie(ident):
            raise CfiError("not an FDE")
        cie = self._cie(idpos - ident if self.is_eh else ident)
        if cie is None:
            raise CfiError("FDE without a valid CIE")
        pc_begin, pos = self._encoded(pos, cie.fde_enc)
        pc_range, pos = self._encoded(pos, cie.fde_enc & 0x0F)
        if cie.augmented:
            auglen, pos = read_uleb(data, pos)
            pos += auglen
        if pos > end:
            raise CfiError("FDE overruns its length")
        return _Fde(cie, pc_begin, (pc_begin + pc_range) & _MASK, pos, end)

    def index_entries(self) -> tuple[list[int], list[int]]:
        """Every FDE's (pc_begin, offset), sorted by pc: the search table when no header has one."""
        if self._index is None:
            entries = []
            off, n = 0, len(self.data)
            while off + 4 <= n:
                try:
                    end, ident, _, _ = self._header(off)
                except CfiError:
                    break  # a zero terminator or damage ends the walk
                if not self._is_cie(ident):
                    try:
                        fde = self._fde(off)
                        if fde.pc_end > fde.pc_begin:
                            entries.append((fde.pc_begin, off))
                    except (CfiError, struct.error, IndexError):
                        pass
                off = end
            entries.sort()
            self._index = ([p for p, _ in entries], [o for _, o in entries])
        return self._index

    def use_index(self, pcs: list[int], offsets: list[int]) -> None:
        """Take a ready search table (from .eh_frame_hdr) instead of scanning the section."""
        self._index = (pcs, offsets)

    # -- rows --------------------------------------------------------------------------

    def row(self, pc: int) -> Row | None:
        """The row describing ``pc`` (link-time address), or None when no FDE covers it."""
        pcs, offsets = self.index_entries()
        i = bisect_right(pcs, pc) - 1
        if i < 0:
            return None
        off = offsets[i]
        if off not in self._rows:
            self._rows[off] = self._decode(off)
        rows = self._rows[off]
        if rows is None or pc >= rows.end or pc < rows.locs[0]:
            return None
        return rows.rows[bisect_right(rows.locs, pc) - 1]

    def _decode(self, off: int) -> _Rows | None:
        try:
            fde = self._fde(off)
        except (CfiError, struct.error, IndexError):
            return None
        if not fde.pc_begin < fde.pc_end:
            return None
        return _run_program(self, fde)


class _Program:
    """The DW_CFA_* interpreter's state while it runs a CIE's and an FDE's instructions."""

    __slots__ = ("cie", "cfa_reg", "cfa_offset", "cfa_expr", "rules", "initial", "saved", "loc")

    def __init__(self, cie: Cie) -> None:
        self.cie = cie
        self.cfa_reg, self.cfa_offset, self.cfa_expr = -1, 0, b""
        self.rules: dict[int, tuple[int, int | bytes]] = {}
        self.initial: dict[int, tuple[int, int | bytes]] = {}
        self.saved: list[tuple] = []
        self.loc = 0  # the location reached: rows recorded so far end here

    def snapshot(self) -> Row:
        rules = tuple((reg, kind, arg) for reg, (kind, arg) in self.rules.items())
        simple = (self.cfa_reg >= 0 and all(kind == OFFSET for _, kind, _ in rules)
                  and self.cie.ra in self.rules)
        saved = tuple((reg, arg) for reg, _, arg in rules) if simple else None
        return Row(self.cfa_reg, self.cfa_offset, self.cfa_expr, rules, self.cie.ra, self.cie.signal,
                   saved)  # type: ignore[arg-type]

    def run(self, section: FrameSection, start: int, end: int, loc: int,
            locs: list[int] | None, rows: list[Row] | None) -> int:
        """Execute [start, end); at each advance record the row of [loc, new loc). Returns the final loc."""
        data, cie = section.data, self.cie
        self.loc = loc
        caf, daf = cie.code_align, cie.data_align
        rules = self.rules
        pos = start
        while pos < end:
            op = data[pos]
            pos += 1
            high, low = op >> 6, op & 0x3F
            new_loc = -1
            if high == 1:  # DW_CFA_advance_loc
                new_loc = loc + low * caf
            elif high == 2:  # DW_CFA_offset
                off, pos = read_uleb(data, pos)
                rules[low] = (OFFSET, off * daf)
            elif high == 3:  # DW_CFA_restore
                self._restore(low)
            elif op == 0x00:  # nop
                continue
            elif op == 0x01:  # set_loc
                new_loc, pos = section._encoded(pos, cie.fde_enc)
            elif op in (0x02, 0x03, 0x04, 0x1D):  # advance_loc1/2/4, MIPS_advance_loc8
                s = {0x02: _U8, 0x03: _U16, 0x04: _U32, 0x1D: _U64}[op]
                new_loc = loc + s.unpack_from(data, pos)[0] * caf
                pos += s.size
            elif op in (0x05, 0x11, 0x14, 0x15, 0x2F):  # offset_extended(_sf), val_offset(_sf), GNU negative
                reg, pos = read_uleb(data, pos)
                off, pos = (read_sleb if op in (0x11, 0x15) else read_uleb)(data, pos)
                off = -off if op == 0x2F else off
                rules[reg] = (VAL_OFFSET if op in (0x14, 0x15) else OFFSET, off * daf)
            elif op in (0x06, 0x07, 0x08):  # restore_extended, undefined, same_value
                reg, pos = read_uleb(data, pos)
                if op == 0x06:
                    self._restore(reg)
                else:
                    rules[reg] = (UNDEFINED if op == 0x07 else SAME_VALUE, 0)
            elif op == 0x09:  # register
                reg, pos = read_uleb(data, pos)
                other, pos = read_uleb(data, pos)
                rules[reg] = (REGISTER, other)
            elif op == 0x0A:  # remember_state
                if len(self.saved) >= _MAX_STATE_STACK:
                    raise CfiError("remember_state too deep")
                self.saved.append((self.cfa_reg, self.cfa_offset, self.cfa_expr, dict(rules)))
            elif op == 0x0B:  # restore_state
                if not self.saved:
                    raise CfiError("restore_state without remember_state")
                self.cfa_reg, self.cfa_offset, self.cfa_expr, saved = self.saved.pop()
                rules.clear()
                rules.update(saved)
            elif op in (0x0C, 0x12):  # def_cfa, def_cfa_sf
                self.cfa_reg, pos = read_uleb(data, pos)
                if op == 0x0C:
                    self.cfa_offset, pos = read_uleb(data, pos)
                else:
                    off, pos = read_sleb(data, pos)
                    self.cfa_offset = off * daf
                self.cfa_expr = b""
            elif op == 0x0D:  # def_cfa_register
                self.cfa_reg, pos = read_uleb(data, pos)
                self.cfa_expr = b""
            elif op == 0x0E:  # def_cfa_offset
                self.cfa_offset, pos = read_uleb(data, pos)
            elif op == 0x13:  # def_cfa_offset_sf
                off, pos = read_sleb(data, pos)
                self.cfa_offset = off * daf
            elif op == 0x0F:  # def_cfa_expression
                size, pos = read_uleb(data, pos)
                self.cfa_reg, self.cfa_expr = -1, bytes(data[pos : pos + size])
                pos += size
            elif op in (0x10, 0x16):  # expression, val_expression
                reg, pos = read_uleb(data, pos)
                size, pos = read_uleb(data, pos)
                rules[reg] = (EXPRESSION if op == 0x10 else VAL_EXPRESSION, bytes(data[pos : pos + size]))
                pos += size
            elif op == 0x2E:  # GNU_args_size: for exception landing pads only
                _, pos = read_uleb(data, pos)
            elif op == 0x2D:  # AARCH64_negate_ra_state (GNU_window_save on SPARC): the return
                pass  # address is signed from here on; the unwinder strips any PAC from every one
            else:
                raise CfiError(f"DW_CFA opcode {op:#x}")
            if new_loc >= 0:
                if new_loc < loc:
                    raise CfiError("location moves backwards")
                if locs is not None and rows is not None and new_loc > loc:
                    locs.append(loc)
                    rows.append(self.snapshot())
                loc = self.loc = new_loc
        if pos > end:
            raise CfiError("instruction runs past its entry")
        return loc

    def _restore(self, reg: int) -> None:
        if reg in self.initial:
            self.rules[reg] = self.initial[reg]
        else:
            self.rules.pop(reg, None)


def _run_program(section: FrameSection, fde: _Fde) -> _Rows | None:
    """All rows of one FDE; after damage, the rows decoded before it (to the pc they reached)."""
    program = _Program(fde.cie)
    locs: list[int] = []
    rows: list[Row] = []
    try:
        program.run(section, fde.cie.start, fde.cie.end, fde.pc_begin, None, None)
        program.initial = dict(program.rules)
        program.saved.clear()
        loc = program.run(section, fde.start, fde.end, fde.pc_begin, locs, rows)
    except (CfiError, struct.error, IndexError):
        return _Rows(locs, rows, program.loc) if rows else None
    if loc < fde.pc_end:
        locs.append(loc)
        rows.append(program.snapshot())
    return _Rows(locs, rows, fde.pc_end)
