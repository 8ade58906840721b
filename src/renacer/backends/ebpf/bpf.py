"""Kernel objects over bpf(2) and perf_event_open(2): maps, loaded programs, tracepoint attachments.

Layouts are from the uapi headers linux/bpf.h (union bpf_attr) and linux/perf_event.h, which are
the same on every 64-bit little-endian architecture; the syscall numbers come from the Arch's
generated table; tracepoint ids and record layouts from tracefs (tracefs.py).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import struct
from collections.abc import Iterator
from functools import cache

from ...arch import Arch
from ...arch import current as _current_arch
from ...errors import RenacerError
from .tracefs import TRACEFS, TracepointLayout, event_file, tracefs, tracepoint_fields, tracepoint_layout

__all__ = ["TRACEFS", "TracepointLayout", "tracefs", "tracepoint_fields", "tracepoint_layout"]


def syscall_numbers(arch: Arch) -> tuple[int, int]:
    """bpf(2)'s and perf_event_open(2)'s numbers on ``arch``, from its generated syscall table."""
    try:
        return arch.numbers["bpf"], arch.numbers["perf_event_open"]
    except KeyError as e:
        missing = e.args[0]
        raise RenacerError(f"--backend ebpf: renacer's {arch.name} syscall table has no {missing}") from None


SYS_BPF, SYS_PERF_EVENT_OPEN = syscall_numbers(_current_arch())

# enum bpf_cmd
MAP_CREATE, MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM, MAP_GET_NEXT_KEY, PROG_LOAD = range(6)
# enum bpf_map_type
MAP_HASH, MAP_ARRAY, MAP_PERCPU_HASH, MAP_PERCPU_ARRAY, MAP_RINGBUF = 1, 2, 5, 6, 27
_PER_CPU = frozenset({MAP_PERCPU_HASH, MAP_PERCPU_ARRAY, 10})  # 10: LRU_PERCPU_HASH
# enum bpf_prog_type
PROG_TYPE_TRACEPOINT, PROG_TYPE_RAW_TRACEPOINT = 5, 17
BPF_RAW_TRACEPOINT_OPEN = 17  # enum bpf_cmd
_RAW_OPEN_ATTR = struct.Struct("<QI4x")  # union bpf_attr.raw_tracepoint: u64 name, u32 prog_fd
# map update flags
ANY, NOEXIST, EXIST = 0, 1, 2

PERF_TYPE_TRACEPOINT = 2
PERF_FLAG_FD_CLOEXEC = 1 << 3
PERF_ATTR_SIZE = 128  # PERF_ATTR_SIZE_VER7: every field after the ones set here stays zero
# ioctl numbers in asm-generic/ioctl.h's encoding, which x86 and arm64 both use
PERF_EVENT_IOC_ENABLE = 0x2400  # _IO('$', 0)
PERF_EVENT_IOC_DISABLE = 0x2401  # _IO('$', 1)
PERF_EVENT_IOC_SET_BPF = 0x40042408  # _IOW('$', 8, __u32)

OBJ_NAME_LEN = 16
_LOG_SIZES = (1 << 20, 16 << 20)  # verifier log buffers tried in turn: the log's tail is what matters
_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


class BpfError(RenacerError):
    """A bpf(2) or perf_event_open(2) failure; ``log``: the verifier's whole log, when it said no."""

    def __init__(self, message: str, log: str = "", err: int = 0) -> None:
        super().__init__(message)
        self.log = log
        self.errno = err


class _MapCreateAttr(ctypes.Structure):
    """The BPF_MAP_CREATE part of union bpf_attr."""

    _fields_ = [("map_type", ctypes.c_uint32), ("key_size", ctypes.c_uint32), ("value_size", ctypes.c_uint32),
                ("max_entries", ctypes.c_uint32), ("map_flags", ctypes.c_uint32),
                ("inner_map_fd", ctypes.c_uint32), ("numa_node", ctypes.c_uint32),
                ("map_name", ctypes.c_char * OBJ_NAME_LEN), ("map_ifindex", ctypes.c_uint32),
                ("btf_fd", ctypes.c_uint32), ("btf_key_type_id", ctypes.c_uint32),
                ("btf_value_type_id", ctypes.c_uint32), ("btf_vmlinux_value_type_id", ctypes.c_uint32),
                ("map_extra", ctypes.c_uint64)]


class _MapElemAttr(ctypes.Structure):
    """The BPF_MAP_*_ELEM part: map_fd, then key, value (or next_key) addresses, then flags."""

    _fields_ = [("map_fd", ctypes.c_uint32), ("pad", ctypes.c_uint32), ("key", ctypes.c_uint64),
                ("value", ctypes.c_uint64), ("flags", ctypes.c_uint64)]


class _ProgLoadAttr(ctypes.Structure):
    """The BPF_PROG_LOAD part, up to expected_attach_type."""

    _fields_ = [("prog_type", ctypes.c_uint32), ("insn_cnt", ctypes.c_uint32), ("insns", ctypes.c_uint64),
                ("license", ctypes.c_uint64), ("log_level", ctypes.c_uint32), ("log_size", ctypes.c_uint32),
                ("log_buf", ctypes.c_uint64), ("kern_version", ctypes.c_uint32),
                ("prog_flags", ctypes.c_uint32),
                ("prog_name", ctypes.c_char * OBJ_NAME_LEN), ("prog_ifindex", ctypes.c_uint32),
                ("expected_attach_type", ctypes.c_uint32)]


def _bpf(cmd: int, attr: ctypes.Structure) -> int:
    """bpf(cmd, &attr, sizeof attr): the result, or -errno."""
    res = _syscall(ctypes.c_long(SYS_BPF), ctypes.c_long(cmd), ctypes.byref(attr),
                   ctypes.c_long(ctypes.sizeof(attr)))
    return -ctypes.get_errno() if res < 0 else res


def _name(name: str) -> bytes:
    """An object name the kernel accepts: up to 15 of [A-Za-z0-9_.]."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", name)[: OBJ_NAME_LEN - 1].encode()


@cache
def possible_cpus() -> int:
    """How many CPUs may ever run (/sys/devices/system/cpu/possible): the copies a per-CPU map value has."""
    with open("/sys/devices/system/cpu/possible") as f:
        text = f.read().strip()
    count = 0
    for part in text.split(","):
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


class BpfMap:
    """One BPF map, read and written from Python by key and value bytes."""

    def __init__(self, fd: int, kind: int, key_size: int, value_size: int, max_entries: int,
                 name: str) -> None:
        self.fd, self.kind, self.name = fd, kind, name
        self.key_size, self.value_size, self.max_entries = key_size, value_size, max_entries
        self.per_cpu = kind in _PER_CPU
        # a per-CPU lookup fills one value per possible CPU, each rounded up to 8 bytes
        self.value_bytes = ((value_size + 7) & ~7) * possible_cpus() if self.per_cpu else value_size

    @classmethod
    def create(cls, kind: int, key_size: int, value_size: int, max_entries: int, name: str = "",
               flags: int = 0) -> BpfMap:
        """BPF_MAP_CREATE; a ring buffer takes key_size 0, value_size 0 and its size (a power of 2 pages)."""
        attr = _MapCreateAttr(map_type=kind, key_size=key_size, value_size=value_size,
                              max_entries=max_entries, map_flags=flags, map_name=_name(name))
        fd = _bpf(MAP_CREATE, attr)
        if fd < 0:
            raise BpfError(f"creating the BPF map {name or kind}: {os.strerror(-fd)}", err=-fd)
        return cls(fd, kind, key_size, value_size, max_entries, name)

    def _elem(self, cmd: int, key: bytes | None, value: ctypes.Array | None, flags: int = 0) -> int:  # type: ignore[type-arg]
        if key is not None and len(key) != self.key_size:
            raise ValueError(f"map {self.name}: a key is {self.key_size} bytes, not {len(key)}")
        key_buf = ctypes.create_string_buffer(key, self.key_size) if key is not None else None
        attr = _MapElemAttr(map_fd=self.fd, key=ctypes.addressof(key_buf) if key_buf is not None else 0,
                            value=ctypes.addressof(value) if value is not None else 0, flags=flags)
        return _bpf(cmd, attr)

    def _fail(self, what: str, res: int) -> BpfError:
        return BpfError(f"bpf({what}) on the map {self.name or self.fd}: {os.strerror(-res)}", err=-res)

    def lookup(self, key: bytes) -> bytes | None:
        """The value under ``key`` (a per-CPU map: every CPU's, each padded to 8 bytes), or None."""
        out = ctypes.create_string_buffer(self.value_bytes)
        res = self._elem(MAP_LOOKUP_ELEM, key, out)
        if res == -errno.ENOENT:
            return None
        if res < 0:
            raise self._fail("BPF_MAP_LOOKUP_ELEM", res)
        return out.raw

    def per_cpu_values(self, key: bytes) -> list[bytes] | None:
        """A per-CPU map's value under ``key`` split by CPU (each value_size bytes), or None."""
        raw = self.lookup(key)
        if raw is None:
            return None
        step = (self.value_size + 7) & ~7
        return [raw[i:i + self.value_size] for i in range(0, len(raw), step)]

    def update(self, key: bytes, value: bytes, flags: int = ANY) -> None:
        """Set ``key`` to ``value`` (a per-CPU map takes every CPU's value: ``value_bytes`` long)."""
        if len(value) != self.value_bytes:
            raise ValueError(f"map {self.name}: a value is {self.value_bytes} bytes, not {len(value)}")
        res = self._elem(MAP_UPDATE_ELEM, key, ctypes.create_string_buffer(value, len(value)), flags)
        if res < 0:
            raise self._fail("BPF_MAP_UPDATE_ELEM", res)

    def delete(self, key: bytes) -> bool:
        """Remove ``key``: whether it was there."""
        res = self._elem(MAP_DELETE_ELEM, key, None)
        if res == -errno.ENOENT:
            return False
        if res < 0:
            raise self._fail("BPF_MAP_DELETE_ELEM", res)
        return True

    def keys(self) -> Iterator[bytes]:
        """Every key; the next is fetched before one is handed out, so the caller may delete it."""
        out = ctypes.create_string_buffer(self.key_size)
        res = self._elem(MAP_GET_NEXT_KEY, None, out)
        while res == 0:
            current = out.raw
            res = self._elem(MAP_GET_NEXT_KEY, current, out)
            yield current
        if res != -errno.ENOENT:
            raise self._fail("BPF_MAP_GET_NEXT_KEY", res)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> BpfMap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Prog:
    """A program the verifier accepted."""

    def __init__(self, fd: int, name: str) -> None:
        self.fd, self.name = fd, name

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Prog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _verdict(log: str) -> str:
    """The line of a verifier log that says why: the last one before its statistics."""
    lines = [line for line in log.splitlines() if line.strip()]
    stats = ("processed ", "verification time", "stack depth", "max_states_per_insn")
    for line in reversed(lines):
        if not line.startswith(stats):
            return line.strip()
    return lines[-1].strip() if lines else ""


def load_program(insns: bytes, name: str, prog_type: int = PROG_TYPE_TRACEPOINT,
                 license: str = "GPL") -> Prog:
    """BPF_PROG_LOAD; a rejected program raises BpfError with the verifier's log."""
    if not insns or len(insns) % 8:
        raise ValueError("a program is a whole number of 8-byte instructions")
    code = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(license.encode())
    attr = _ProgLoadAttr(prog_type=prog_type, insn_cnt=len(insns) // 8, insns=ctypes.addressof(code),
                         license=ctypes.addressof(lic), prog_name=_name(name))
    fd = _bpf(PROG_LOAD, attr)  # first without a log: the verifier runs faster
    if fd >= 0:
        return Prog(fd, name)
    log = ""
    if -fd in (errno.EACCES, errno.EINVAL):
        for size in _LOG_SIZES:  # again, with a log, to say why
            buf = ctypes.create_string_buffer(size)
            attr.log_level, attr.log_size, attr.log_buf = 1, size, ctypes.addressof(buf)
            fd = _bpf(PROG_LOAD, attr)
            if fd >= 0:  # accepted after all (it should not be): keep it
                return Prog(fd, name)
            log = buf.value.decode(errors="replace")
            if -fd != errno.ENOSPC:
                break
    if log:
        raise BpfError(f"the kernel's verifier rejected {name}: {_verdict(log)}", log, -fd)
    raise BpfError(f"loading the BPF program {name}: {os.strerror(-fd)}", err=-fd)


# ---- tracepoints ---------------------------------------------------------------------------


class Attachment:
    """A program attached to a tracepoint through a perf event; close() detaches it."""

    def __init__(self, perf_fd: int, prog: Prog, where: str) -> None:
        self.fd, self.prog, self.where = perf_fd, prog, where

    def close(self) -> None:
        if self.fd >= 0:
            try:
                fcntl.ioctl(self.fd, PERF_EVENT_IOC_DISABLE, 0)
            except OSError:
                pass
            os.close(self.fd)  # the last reference: the kernel detaches the program
            self.fd = -1

    def __enter__(self) -> Attachment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _perf_event_open(attr: bytes, pid: int, cpu: int, group_fd: int, flags: int) -> int:
    buf = ctypes.create_string_buffer(attr, len(attr))
    res = _syscall(ctypes.c_long(SYS_PERF_EVENT_OPEN), buf, ctypes.c_long(pid), ctypes.c_long(cpu),
                   ctypes.c_long(group_fd), ctypes.c_ulong(flags))
    return -ctypes.get_errno() if res < 0 else res


def attach_tracepoint(prog: Prog, category: str, event: str) -> Attachment:
    """Run ``prog`` at every hit of the tracepoint, on every CPU, for every task.

    One perf event (any task, CPU 0) registers the tracepoint for perf; a program set on it is
    run for each hit wherever it happens.
    """
    tp_id = int(event_file(category, event, "id"))
    # struct perf_event_attr: type, size, config (the tracepoint id), sample_period 1; the rest zero
    attr = struct.pack("<IIQQ", PERF_TYPE_TRACEPOINT, PERF_ATTR_SIZE, tp_id, 1).ljust(PERF_ATTR_SIZE, b"\0")
    fd = _perf_event_open(attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)
    if fd < 0:
        raise BpfError(f"perf_event_open on the tracepoint {category}:{event}: {os.strerror(-fd)}", err=-fd)
    try:
        fcntl.ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog.fd)
        fcntl.ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)
    except OSError as e:
        os.close(fd)
        raise BpfError(f"attaching {prog.name} to {category}:{event}: {e.strerror}",
                       err=e.errno or 0) from None
    return Attachment(fd, prog, f"{category}:{event}")


# ---- may BPF be used here? -------------------------------------------------------------------

CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF = 21, 38, 39  # linux/capability.h


def _effective_caps() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError, IndexError):
        pass
    return 0


def permitted() -> str | None:
    """None when renacer may load and attach tracing programs here, else why not (one phrase)."""
    caps = _effective_caps()
    admin = bool(caps >> CAP_SYS_ADMIN & 1)
    if not (admin or (caps >> CAP_BPF & 1 and caps >> CAP_PERFMON & 1)):
        return "it needs root, or CAP_BPF and CAP_PERFMON"
    if tracefs() is None:
        return "tracefs is not mounted (/sys/kernel/tracing)"
    try:
        probe = BpfMap.create(MAP_ARRAY, 4, 4, 1, "renacer_probe")
    except BpfError as e:
        if e.errno == errno.ENOSYS:
            return "this kernel has no bpf(2)"
        return f"bpf(BPF_MAP_CREATE): {os.strerror(e.errno)}" if e.errno else e.message
    probe.close()
    from .asm import R0, Program  # a two-instruction program: loading is allowed (no lockdown, no LSM veto)

    try:
        load_program(Program().mov(R0, 0).exit().assemble(), "renacer_probe").close()
    except BpfError as e:
        return f"bpf(BPF_PROG_LOAD): {os.strerror(e.errno)}" if e.errno else e.message
    return None


class RawAttachment:
    """A program on a raw tracepoint; close() detaches it (the fd is the only reference)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls, prog: Prog, event: str) -> RawAttachment:
        """BPF_RAW_TRACEPOINT_OPEN of ``prog`` on the tracepoint ``event`` (sys_enter, sys_exit)."""
        name = ctypes.create_string_buffer(event.encode())
        attr = ctypes.create_string_buffer(_RAW_OPEN_ATTR.pack(ctypes.addressof(name), prog.fd))
        fd = _syscall(ctypes.c_long(SYS_BPF), ctypes.c_long(BPF_RAW_TRACEPOINT_OPEN), attr,
                      ctypes.c_uint(_RAW_OPEN_ATTR.size))
        if fd < 0:
            err = ctypes.get_errno()
            raise BpfError(f"attaching {prog.name} to the raw tracepoint {event}: {os.strerror(err)}",
                           err=err)
        return cls(fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def attach_raw_tracepoint(prog: Prog, event: str) -> RawAttachment:
    """Attach a PROG_TYPE_RAW_TRACEPOINT program to tracepoint ``event``: no perf record per hit.

    Such a program gets the tracepoint's own arguments, its TP_PROTO, as u64 ctx->args[] (for
    raw_syscalls: regs, then the id or the return value); those are the same on every architecture,
    unlike a perf record's layout. It makes each syscall about 30 ns cheaper than a perf-attached one.
    """
    return RawAttachment.open(prog, event)
