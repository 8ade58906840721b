"""The DWARF line-number program (§6.2 of the DWARF 5 standard), run for its rows only.

A compile unit's program is a byte code whose state machine emits (address, file, line) rows;
pyelftools keeps a full state copy per row, which costs a second on a Rust standard-library
unit. The header (opcode lengths, line base and range, file tables) still comes from pyelftools.
"""

from __future__ import annotations

from typing import Any

from renacer.source.dwarfscan import sleb, uleb, unsigned


def line_rows(data: bytes, start: int, end: int, header: Any, addr_size: int,
              endian: str) -> list[tuple[int, int, int]]:
    """Run a line-number program (§6.2): rows (address, file, line), file -1 marking a sequence's end."""
    min_length = header["minimum_instruction_length"]
    max_ops = header.get("maximum_operations_per_instruction", 1) or 1
    line_base, line_range, opcode_base = header["line_base"], header["line_range"], header["opcode_base"]
    lengths = list(header["standard_opcode_lengths"])
    if line_range == 0:
        raise ValueError("line_range 0")
    rows: list[tuple[int, int, int]] = []
    address, op_index, file, line = 0, 0, 1, 1
    const_add = (255 - opcode_base) // line_range
    pos = start
    while pos < end:
        opcode = data[pos]
        pos += 1
        if opcode >= opcode_base:  # special opcode: advance address and line, append a row
            adjusted = opcode - opcode_base
            advance = adjusted // line_range
            if max_ops == 1:
                address += min_length * advance
            else:
                address += min_length * ((op_index + advance) // max_ops)
                op_index = (op_index + advance) % max_ops
            line += line_base + adjusted % line_range
            rows.append((address, file, line))
        elif opcode == 0:  # extended opcode
            length, pos = uleb(data, pos)
            if length == 0:
                continue
            sub, body = data[pos], pos + 1
            pos += length
            if sub == 1:  # end_sequence
                rows.append((address, -1, line))
                address, op_index, file, line = 0, 0, 1, 1
            elif sub == 2:  # set_address
                address = unsigned(data, body, min(length - 1, addr_size), endian)
                op_index = 0
        elif opcode == 1:  # copy
            rows.append((address, file, line))
        elif opcode == 2:  # advance_pc
            advance, pos = uleb(data, pos)
            if max_ops == 1:
                address += min_length * advance
            else:
                address += min_length * ((op_index + advance) // max_ops)
                op_index = (op_index + advance) % max_ops
        elif opcode == 3:  # advance_line
            delta, pos = sleb(data, pos)
            line += delta
        elif opcode == 4:  # set_file
            file, pos = uleb(data, pos)
        elif opcode == 8:  # const_add_pc
            if max_ops == 1:
                address += min_length * const_add
            else:
                address += min_length * ((op_index + const_add) // max_ops)
                op_index = (op_index + const_add) % max_ops
        elif opcode == 9:  # fixed_advance_pc: a uhalf operand
            address += unsigned(data, pos, 2, endian)
            op_index = 0
            pos += 2
        else:  # column, stmt, basic block, prologue/epilogue, isa, or unknown: skip its operands
            for _ in range(lengths[opcode - 1] if opcode - 1 < len(lengths) else 0):
                _, pos = uleb(data, pos)
    if pos > end:
        raise ValueError("line program runs past its unit")
    return rows
