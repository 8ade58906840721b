"""The DWARF decoders on hand-assembled bytes: every form, range-list entry and line opcode.

Compilers emit only some of DWARF's encodings; these tests build the rest by hand, following the
DWARF 5 standard's tables (forms §7.5.6, range lists §7.25, line opcodes §6.2.5), and check that
each is read or skipped by its exact size, and that malformed input raises instead of looping.
"""

from __future__ import annotations

import struct

import pytest
from fidelity import sleb as enc_sleb
from fidelity import uleb as enc_uleb

from renacer.source.dwarflines import line_rows
from renacer.source.dwarfscan import (
    CALL_FILE,
    CALL_LINE,
    HIGH,
    LINKAGE,
    LOW,
    NAME,
    ORIGIN,
    RANGES,
    Reader,
    Sections,
    Unit,
    sleb,
    uleb,
)


def test_leb128_matches_the_standards_examples() -> None:
    # DWARF 5, figures 22 and 23.
    for value, encoded in ((2, b"\x02"), (127, b"\x7f"), (128, b"\x80\x01"), (129, b"\x81\x01"),
                           (130, b"\x82\x01"), (12857, b"\xb9\x64")):
        assert uleb(encoded, 0) == (value, len(encoded)) and enc_uleb(value) == encoded
    for value, encoded in ((2, b"\x02"), (-2, b"\x7e"), (127, b"\xff\x00"), (-127, b"\x81\x7f"),
                           (128, b"\x80\x01"), (-128, b"\x80\x7f"), (129, b"\x81\x01"), (-129, b"\xff\x7e")):
        assert sleb(encoded, 0) == (value, len(encoded)) and enc_sleb(value) == encoded
    with pytest.raises(IndexError):
        uleb(b"\x80\x80", 0)  # truncated: runs off the end, never loops


def abbrev(code: int, tag: int, children: bool, *specs: tuple[int, int] | tuple[int, int, int]) -> bytes:
    out = enc_uleb(code) + enc_uleb(tag) + bytes([children])
    for spec in specs:
        out += enc_uleb(spec[0]) + enc_uleb(spec[1]) + (enc_sleb(spec[2]) if len(spec) == 3 else b"")
    return out + b"\0\0"


SKIPPED = 0x2101  # a vendor attribute renacer never reads: its value must be skipped by size
SUBPROGRAM_FORMS = [  # (form, encoded value) of attributes a function DIE carries and renacer skips
    (0x0A, b"\x02ab"), (0x03, b"\x01\x00z"), (0x04, b"\x01\x00\x00\x00z"), (0x09, b"\x03abc"),
    (0x18, b"\x01\x9c"), (0x0C, b"\x01"), (0x19, b""), (0x1E, bytes(16)), (0x20, bytes(8)),
    (0x1D, bytes(4)), (0x1C, bytes(4)), (0x24, bytes(8)), (0x16, b"\x0f\x85\x01"), (0x22, b"\x05"),
    (0x1F02, b"\x07"), (0x07, bytes(8)), (0x10, bytes(4)), (0x17, bytes(4)), (0x0E, bytes(4)),
    (0x0D, b"\x7f"), (0x0F, b"\x80\x01"), (0x08, b"skip\0"), (0x25, b"\x00"), (0x1A, b"\x00"),
    (0x1B, b"\x00"), (0x2C, bytes(4)),
]


def synthetic_unit() -> tuple[Reader, Unit, dict[str, int]]:
    """A DWARF 5 unit: CU > namespace > {abstract function, function > inlined call, ranged function}."""
    abbrevs = b"".join([
        abbrev(1, 0x11, True, (0x03, 0x08)),
        abbrev(2, 0x39, True, (0x03, 0x25)),  # namespace, named through strx1
        abbrev(3, 0x2E, False, (0x03, 0x16), (0x6E, 0x0E), (0x3A, 0x21, -5)),  # abstract: name via indirect
        abbrev(4, 0x2E, True, (0x03, 0x08), (0x11, 0x01), (0x12, 0x06),
               *[(SKIPPED, form) for form, _ in SUBPROGRAM_FORMS]),
        abbrev(5, 0x1D, False, (0x31, 0x15), (0x11, 0x1B), (0x12, 0x29), (0x58, 0x0B), (0x59, 0x0D)),
        abbrev(6, 0x2E, False, (0x31, 0x13), (0x55, 0x23), (0x59, 0x21, 7)),
        abbrev(7, 0x34, False, (0x03, 0x0E), (0x02, 0x18)),  # a variable: not kept, all skipped
    ]) + b"\0"
    strings = b"\0run\0_ZN3app3runEv\0app\0"
    info = bytearray(struct.pack("<IHBBI", 0, 5, 1, 8, 0))
    at: dict[str, int] = {}

    def die(name: str, code: int, body: bytes) -> None:
        at[name] = len(info)
        info.extend(enc_uleb(code) + body)

    die("cu", 1, b"cu.c\0")
    die("ns", 2, b"\x00")  # str_offsets[0] -> "app"
    die("abstract", 3, enc_uleb(0x08) + b"run\0" + struct.pack("<I", 5))
    die("var", 7, struct.pack("<I", 1) + b"\x02\x91\x00")
    body = b"main\0" + struct.pack("<QI", 0x1000, 0x100) + b"".join(v for _, v in SUBPROGRAM_FORMS)
    die("main", 4, body)
    die("inlined", 5, enc_uleb(at["abstract"]) + b"\x00" + b"\x01" + b"\x02" + enc_sleb(-3))
    info.append(0)  # end of main's children
    die("ranged", 6, struct.pack("<I", at["abstract"]) + b"\x00")
    info += b"\0\0"  # end of the namespace's and the CU's children
    struct.pack_into("<I", info, 0, len(info) - 4)
    addr = struct.pack("<IHBB", 0, 5, 8, 0) + struct.pack("<QQ", 0x1010, 0x1020)
    lists = bytes([1, 0, 4]) + enc_uleb(0x40) + enc_uleb(0x48)  # base_addressx, offset_pair
    lists += bytes([2, 0, 1, 3, 1, 8])  # startx_endx, startx_length
    lists += bytes([5]) + struct.pack("<Q", 0x3000) + bytes([4, 0, 4])  # base_address, offset_pair
    lists += bytes([6]) + struct.pack("<QQ", 0x5000, 0x5010)  # start_end
    lists += bytes([7]) + struct.pack("<Q", 0x6000) + b"\x20"  # start_length
    lists += b"\0"
    rnglists = struct.pack("<IHBBI", 0, 5, 8, 0, 1) + struct.pack("<I", 4) + lists
    str_offsets = struct.pack("<IHHI", 8, 5, 0, strings.index(b"\0app\0") + 1)  # header, then entry 0
    sections = Sections(info=bytes(info), abbrev=abbrevs, str=strings, str_offsets=str_offsets, addr=addr,
                        rnglists=rnglists)
    unit = Unit(offset=0, die_start=12, end=len(info), version=5, addr_size=8, offset_size=4, abbrev_offset=0,
                base=0x1000)
    return Reader(sections), unit, at


def test_a_unit_keeps_functions_and_inlined_calls_and_skips_every_other_form() -> None:
    reader, unit, at = synthetic_unit()
    kept, scopes = reader.scan(unit)
    assert set(kept) == {at["ns"], at["abstract"], at["main"], at["inlined"], at["ranged"]}
    assert kept[at["ns"]][2][NAME] == "app"
    tag, parent, slots = kept[at["abstract"]]
    assert (tag, parent, slots[NAME], slots[LINKAGE]) == (0x2E, at["ns"], "run", "_ZN3app3runEv")
    main = kept[at["main"]][2]
    assert (main[NAME], main[LOW], main[HIGH]) == ("main", 0x1000, (0x100, False))
    inlined = kept[at["inlined"]][2]
    assert (inlined[ORIGIN], inlined[LOW], inlined[HIGH]) == (at["abstract"], 0x1010, (0x1020, True))
    assert (inlined[CALL_FILE], inlined[CALL_LINE], kept[at["inlined"]][1]) == (2, -3, at["main"])
    assert kept[at["ranged"]][2][CALL_LINE] == 7  # an implicit_const lives in the abbreviation
    assert scopes == [(at["main"], -1, 2), (at["inlined"], 0, 3), (at["ranged"], -1, 2)]
    assert reader.ranges(main, unit) == [(0x1000, 0x1100)]
    assert reader.ranges(inlined, unit) == [(0x1010, 0x1020)]
    ranged = kept[at["ranged"]][2]
    assert ranged[RANGES] == 16  # rnglistx 0 -> the offset table's entry, from the lists' base
    assert reader.ranges(ranged, unit) == [(0x1050, 0x1058), (0x1010, 0x1020), (0x1020, 0x1028),
                                           (0x3000, 0x3004), (0x5000, 0x5010), (0x6000, 0x6020)]


def test_dwarf4_range_lists_honour_base_address_entries() -> None:
    data = struct.pack("<QQQQQQ", 0x10, 0x20, 2**64 - 1, 0x7000, 0x1, 0x2) + bytes(16)
    unit = Unit(offset=0, die_start=11, end=0, version=4, addr_size=8, offset_size=4, abbrev_offset=0,
                base=0x1000)
    reader = Reader(Sections(ranges=data))
    slots = [None] * 9
    slots[RANGES] = 0
    assert reader.ranges(slots, unit) == [(0x1010, 0x1020), (0x7001, 0x7002)]
    reader.s.ranges = data[:40]  # no terminating entry: an error, not a loop past the end
    with pytest.raises(ValueError):
        reader.ranges(slots, unit)


@pytest.mark.parametrize("damage", ["abbrev", "form", "indirect", "rnglist"])
def test_malformed_units_raise(damage: str) -> None:
    reader, unit, at = synthetic_unit()
    s = reader.s
    if damage == "abbrev":
        s.info = s.info[:at["ns"]] + b"\x63" + s.info[at["ns"] + 1:]  # abbreviation 99 is not declared
    elif damage == "form":
        s.abbrev = s.abbrev.replace(abbrev(7, 0x34, False, (0x03, 0x0E), (0x02, 0x18)),
                                    abbrev(7, 0x34, False, (0x03, 0x0E), (0x02, 0x7E)))
    elif damage == "indirect":
        s.info = s.info.replace(enc_uleb(0x08) + b"run\0", b"\x16\x08" + b"run\0")
    else:
        s.rnglists = s.rnglists[:18] + b"\x09"  # after the first entry, an undefined kind
    with pytest.raises(ValueError):
        kept, _ = reader.scan(unit)
        reader.ranges(kept[at["ranged"]][2], unit)


HEADER = {"minimum_instruction_length": 1, "maximum_operations_per_instruction": 1, "line_base": -5,
          "line_range": 14, "opcode_base": 13,
          "standard_opcode_lengths": [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]}


def special(address_advance: int, line_advance: int) -> bytes:
    return bytes([(line_advance - HEADER["line_base"]) + HEADER["line_range"] * address_advance
                  + HEADER["opcode_base"]])


def test_the_line_program_state_machine_emits_the_expected_rows() -> None:
    program = b"".join([
        b"\x00\x09\x02" + struct.pack("<Q", 0x1000),  # set_address
        special(0, 2),  # line 3 at 0x1000
        b"\x02\x04\x01",  # advance_pc 4; copy
        b"\x04\x02\x03\x7f\x08",  # set_file 2; advance_line -1; const_add_pc (+17)
        b"\x09\x10\x00\x05\x05\x06\x07\x0a\x0b\x0c\x01",  # fixed_advance_pc 16; column, stmt, ... isa
        special(1, 0),
        b"\x00\x03\x80\xaa\xbb\x00\x02\x04\x01\x00\x00",  # an unknown extended opcode; discriminator; empty
        b"\x00\x01\x01",  # end_sequence
        b"\x00\x09\x02" + struct.pack("<Q", 0x2000), special(2, 8), b"\x00\x01\x01",
    ])
    rows = line_rows(program, 0, len(program), HEADER, 8, "<")
    assert rows == [(0x1000, 1, 3), (0x1004, 1, 3), (0x1026, 2, 2), (0x1026, -1, 2),
                    (0x2002, 1, 9), (0x2002, -1, 9)]


def test_vliw_operation_advances_and_malformed_programs() -> None:
    header = dict(HEADER, maximum_operations_per_instruction=2, minimum_instruction_length=4)
    program = special(3, 1) + b"\x02\x01\x01\x08\x01"  # 3 ops: +1 insn; advance_pc 1 op: +1; const_add
    assert line_rows(program, 0, len(program), header, 8, "<") == [(4, 1, 2), (8, 1, 2), (40, 1, 2)]
    with pytest.raises(ValueError):
        line_rows(b"\x00\x10\x02", 0, 3, HEADER, 8, "<")  # an extended opcode longer than the program
    with pytest.raises(ValueError):
        line_rows(b"\x01", 0, 1, dict(HEADER, line_range=0), 8, "<")
