"""The bpf(2) decoder: the command, then the union bpf_attr members that command uses."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..base import (
    ULONG,
    Call,
    Decoder,
    cstring,
    fd_text,
    hexnum,
    noted_flags_text,
    noted_value_text,
    ret_fd,
    ret_int,
)
from ..format import ptr, quote, quote_hex_all
from ..xlat import Xlat, styled
from ..xlat.bpf import (
    BPF_ATTACH_TYPES,
    BPF_COMMANDS,
    BPF_F_NUMA_NODE,
    BPF_LOOKUP_FLAGS,
    BPF_MAP_FLAGS,
    BPF_MAP_TYPES,
    BPF_PROG_FLAGS,
    BPF_PROG_TYPES,
    BPF_UPDATE_FLAGS,
)
from .arrays import array_at
from .bpf_insn import ebpf_insn

ATTR_MAX = 4096  # strace decodes an attr of at most a page, else prints the pointer
OBJ_NAME_LEN = 16
Render = Callable[[Call, int, bytes], str]  # (call, field value, the attr bytes read) -> text


@dataclass(frozen=True, slots=True)
class Field:
    """One member of union bpf_attr: its name, offset, struct format and renderer."""

    name: str
    offset: int
    fmt: str
    render: Render
    when: Callable[[bytes], bool] | None = None  # printed only if this holds for the attr


def _u(c: Call, v: int, attr: bytes) -> str:
    return str(v)


def _fd(c: Call, v: int, attr: bytes) -> str:
    return fd_text(c, v)


def _ptr(c: Call, v: int, attr: bytes) -> str:
    return ptr(v)


def _const(table: Xlat, unknown: str) -> Render:
    return lambda c, v, attr: noted_value_text(table, v, unknown)


def _flags(table: Xlat, unknown: str) -> Render:
    return lambda c, v, attr: noted_flags_text(table, v, unknown)


def _ifindex(c: Call, v: int, attr: bytes) -> str:
    """An interface index, named as strace does: ``if_nametoindex("lo")``."""
    if v == 0:
        return "0"
    try:
        return f'if_nametoindex("{socket.if_indextoname(v)}")'
    except OSError:
        return str(v)


def _kernel_version(c: Call, v: int, attr: bytes) -> str:
    return styled(hexnum(v), f"KERNEL_VERSION({v >> 16}, {v >> 8 & 0xFF}, {v & 0xFF})")


def _obj_name(offset: int) -> Field:
    """A name of at most 16 bytes; without a NUL in the bytes given, cut short with ``...``."""
    def render(c: Call, v: int, attr: bytes) -> str:
        data = attr[offset:offset + OBJ_NAME_LEN]  # only the bytes the caller passed
        end = data.find(b"\0")
        if end >= 0:
            return quote(data[:end], hex_strings=c.opts.hex_strings)
        return quote(data[:-1], truncated=True, hex_strings=c.opts.hex_strings)

    return Field("", offset, "", render)


def _string(c: Call, v: int, attr: bytes) -> str:
    return cstring(c, v, c.opts.string_limit)


def _insns(c: Call, v: int, attr: bytes) -> str:
    """The program: its address, under -v the instructions (insn_cnt of them)."""
    if c.opts.abbrev or v == 0:
        return ptr(v)
    return array_at(c, v, struct.unpack_from("<I", attr + bytes(8), 4)[0], "<BBhi", ebpf_insn)


def _numa(attr: bytes) -> bool:
    return bool(struct.unpack_from("<I", attr, 16)[0] & BPF_F_NUMA_NODE)


def _named_field(name: str, field: Field) -> Field:
    return Field(name, field.offset, field.fmt, field.render, field.when)


Group = tuple[Field, ...]

MAP_CREATE: tuple[Group, ...] = (
    (Field("map_type", 0, "I", _const(BPF_MAP_TYPES, "BPF_MAP_TYPE_???")), Field("key_size", 4, "I", _u),
     Field("value_size", 8, "I", _u), Field("max_entries", 12, "I", _u)),
    (Field("map_flags", 16, "I", _flags(BPF_MAP_FLAGS, "BPF_F_???")),),
    (Field("inner_map_fd", 20, "i", _fd),),
    (Field("numa_node", 24, "I", _u, _numa),),
    (_named_field("map_name", _obj_name(28)),),
    (Field("map_ifindex", 44, "I", _ifindex),),
    (Field("btf_fd", 48, "i", _fd), Field("btf_key_type_id", 52, "I", _u),
     Field("btf_value_type_id", 56, "I", _u)),
    (Field("btf_vmlinux_value_type_id", 60, "I", _u),),
    (Field("map_extra", 64, "Q", _u),),
)
MAP_CREATE_END = 72

PROG_LOAD: tuple[Group, ...] = (
    (Field("prog_type", 0, "I", _const(BPF_PROG_TYPES, "BPF_PROG_TYPE_???")), Field("insn_cnt", 4, "I", _u),
     Field("insns", 8, "Q", _insns), Field("license", 16, "Q", _string)),
    (Field("log_level", 24, "I", _u), Field("log_size", 28, "I", _u), Field("log_buf", 32, "Q", _string)),
    (Field("kern_version", 40, "I", _kernel_version),),
    (Field("prog_flags", 44, "I", _flags(BPF_PROG_FLAGS, "BPF_F_???")),),
    (_named_field("prog_name", _obj_name(48)),),
    (Field("prog_ifindex", 64, "I", _ifindex),),
    (Field("expected_attach_type", 68, "I", _const(BPF_ATTACH_TYPES, "BPF_???")),),
    (Field("prog_btf_fd", 72, "i", _fd), Field("func_info_rec_size", 76, "I", _u),
     Field("func_info", 80, "Q", _ptr), Field("func_info_cnt", 88, "I", _u),
     Field("line_info_rec_size", 92, "I", _u), Field("line_info", 96, "Q", _ptr),
     Field("line_info_cnt", 104, "I", _u)),
    (Field("attach_btf_id", 108, "I", _u),),
    (Field("attach_prog_fd", 112, "i", _fd),),
    (Field("fd_array", 120, "Q", _ptr),),
)
PROG_LOAD_END = 128


def _elem(last: str, flags: Render | None) -> tuple[tuple[Group, ...], int]:
    fields = [Field("map_fd", 0, "I", _fd), Field("key", 8, "Q", _ptr)]
    if last:
        fields.append(Field(last, 16, "Q", _ptr))
    if flags is not None:
        fields.append(Field("flags", 24, "Q", flags))
    return (tuple(fields),), 8 * len(fields)


_LOOKUP = _elem("value", _flags(BPF_LOOKUP_FLAGS, "BPF_???"))

# command -> (member groups, end of the members strace knows)
COMMANDS: dict[int, tuple[tuple[Group, ...], int]] = {
    0: (MAP_CREATE, MAP_CREATE_END),
    1: _LOOKUP,
    2: _elem("value", _const(BPF_UPDATE_FLAGS, "BPF_???")),
    3: _elem("", None),
    4: _elem("next_key", None),
    5: (PROG_LOAD, PROG_LOAD_END),
    21: _LOOKUP,
}
# commands that return a new descriptor
FD_COMMANDS = frozenset({0, 5, 7, 13, 14, 17, 18, 19, 28, 30, 33})


def attr_text(c: Call, cmd: int, addr: int, size: int) -> str:
    """``{map_type=..., key_size=4, ...}``: the members that fit in ``size`` bytes, in order."""
    groups, end = COMMANDS[cmd]
    if addr == 0:
        return "NULL"
    data = c.mem.read(addr, size) if 0 < size <= ATTR_MAX else None
    if data is None or len(data) < size:
        return ptr(addr)
    attr = data + bytes(max(0, end - size))
    parts: list[str] = []
    for k, group in enumerate(groups):
        if k and size <= group[0].offset:
            break
        for f in group:
            if f.when is not None and not f.when(attr):  # attr: zero-padded to every member
                continue
            value = struct.unpack_from("<" + f.fmt, attr, f.offset)[0] if f.fmt else 0
            parts.append(f"{f.name}={f.render(c, value, data)}")
    extra = data[end:]
    if any(extra):  # bytes past what strace knows: elided, or dumped under -v
        dump = f"extra_data={quote_hex_all(extra)} /* bytes {end}..{size - 1} */"
        parts.append("..." if c.opts.abbrev else dump)
    return "{" + ", ".join(parts) + "}"


def _bpf_enter(c: Call) -> list[str]:
    cmd = c.args[0] & 0xFFFFFFFF
    size = c.args[2] & 0xFFFFFFFF
    if cmd in COMMANDS:
        text = attr_text(c, cmd, c.args[1], size)
    else:
        text = ptr(c.args[1])
    return [noted_value_text(BPF_COMMANDS, cmd, "BPF_???"), text, ULONG(c, 2)]


def _bpf_ret(c: Call) -> str:
    return ret_fd(c) if c.args[0] & 0xFFFFFFFF in FD_COMMANDS else ret_int(c)


DECODERS: dict[str, Decoder] = {"bpf": Decoder(_bpf_enter, ret=_bpf_ret)}
