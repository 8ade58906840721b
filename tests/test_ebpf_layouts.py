"""The eBPF programs read tracepoint records where the kernel's tracefs format files say, on either arch.

The x86_64 formats below are this machine's (Linux 6.18), copied from
/sys/kernel/tracing/events/.../format. The aarch64 ones are Debian 12's arm64 kernel (6.1), the one
the emulated aarch64 machine boots, reasoned out rather than captured: a record's fields are the
TRACE_EVENT's (6.1's print formats, found as strings in that kernel's image, name ``REC->parent_comm``:
fixed char arrays, before they became ``__data_loc`` strings; and sched_process_exit has no
``group_dead`` yet), and their offsets follow from generic types alone, the same on x86_64 and
arm64 (LP64: the 8-byte trace_entry header of u16, u8, u8, int; long 8, pid_t and int 4, bool 1,
char[16] 16, each aligned to its size). Their ``ID:`` lines are left out: ids are numbered at boot,
and renacer reads them from the ``id`` file, never from ``format``.

None of these tests needs root, except the last, which runs a real -f trace on this kernel with
the aarch64 kernel's sched_process_exit format (no ``group_dead``).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from renacer.arch import Arch, by_name, current
from renacer.arch.aarch64_table import SYSCALLS as AARCH64_SYSCALLS
from renacer.arch.abi import AARCH64_ABI
from renacer.backends.ebpf import bpf, follow, stream_programs, tracefs
from renacer.backends.ebpf.asm import Reg
from renacer.backends.ebpf.capture import NR_LIMIT
from renacer.errors import RenacerError

_HEAD = (
    "format:\n"
    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
    "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
    "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
    "\n"
)
_ENTER_FMT = ('print fmt: "NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)", REC->id, REC->args[0], REC->args[1], '
              'REC->args[2], REC->args[3], REC->args[4], REC->args[5]\n')
_ENTER_FIELDS = (
    "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
    "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
    "\n"
)
_EXIT_FIELDS = (
    "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
    "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
    "\n"
    'print fmt: "NR %ld = %ld", REC->id, REC->ret\n'
)

X86_64 = {  # this machine, Linux 6.18
    "sys_enter": "name: sys_enter\nID: 443\n" + _HEAD + _ENTER_FIELDS + _ENTER_FMT,
    "sys_exit": "name: sys_exit\nID: 442\n" + _HEAD + _EXIT_FIELDS,
    "sched_process_fork": (
        "name: sched_process_fork\nID: 366\n" + _HEAD
        + "\tfield:__data_loc char[] parent_comm;\toffset:8;\tsize:4;\tsigned:0;\n"
        "\tfield:pid_t parent_pid;\toffset:12;\tsize:4;\tsigned:1;\n"
        "\tfield:__data_loc char[] child_comm;\toffset:16;\tsize:4;\tsigned:0;\n"
        "\tfield:pid_t child_pid;\toffset:20;\tsize:4;\tsigned:1;\n"
        "\n"
        'print fmt: "comm=%s pid=%d child_comm=%s child_pid=%d", __get_str(parent_comm), REC->parent_pid, '
        "__get_str(child_comm), REC->child_pid\n"
    ),
    "sched_process_exit": (
        "name: sched_process_exit\nID: 369\n" + _HEAD
        + "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
        "\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
        "\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
        "\tfield:bool group_dead;\toffset:32;\tsize:1;\tsigned:0;\n"
        "\n"
        'print fmt: "comm=%s pid=%d prio=%d group_dead=%s", REC->comm, REC->pid, REC->prio, '
        'REC->group_dead ? "true" : "false"\n'
    ),
}

AARCH64 = {  # Debian 12's arm64 kernel, Linux 6.1 (reasoned out: see the module's docstring)
    "sys_enter": "name: sys_enter\n" + _HEAD + _ENTER_FIELDS + _ENTER_FMT,
    "sys_exit": "name: sys_exit\n" + _HEAD + _EXIT_FIELDS,
    "sched_process_fork": (
        "name: sched_process_fork\n" + _HEAD
        + "\tfield:char parent_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
        "\tfield:pid_t parent_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
        "\tfield:char child_comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
        "\tfield:pid_t child_pid;\toffset:44;\tsize:4;\tsigned:1;\n"
        "\n"
        'print fmt: "comm=%s pid=%d child_comm=%s child_pid=%d", REC->parent_comm, REC->parent_pid, '
        "REC->child_comm, REC->child_pid\n"
    ),
    "sched_process_exit": (
        "name: sched_process_exit\n" + _HEAD
        + "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
        "\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
        "\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
        "\n"
        'print fmt: "comm=%s pid=%d prio=%d", REC->comm, REC->pid, REC->prio\n'
    ),
}

# made up: the same fields behind a longer header, as a kernel with one more common field would print
MOVED = {
    "sys_enter": _HEAD.replace("\n\n", "\n\tfield:unsigned char common_more;\toffset:8;\tsize:1;\tsigned:0;\n"
                               "\n")
    + _ENTER_FIELDS.replace("offset:8;", "offset:16;").replace("offset:16;\tsize:48", "offset:24;\tsize:48")
    + _ENTER_FMT,
    "sys_exit": _HEAD + _EXIT_FIELDS.replace("offset:16;", "offset:40;"),
}

CATEGORY = {"sys_enter": "raw_syscalls", "sys_exit": "raw_syscalls", "sched_process_fork": "sched",
            "sched_process_exit": "sched"}


def layout(formats: dict[str, str], event: str) -> tracefs.TracepointLayout:
    return tracefs.parse_format(f"{CATEGORY[event]}:{event}", formats[event])


@dataclass
class FakeMap:
    """A map as the assembler sees one: its fd goes into ld_map's instruction."""

    fd: int
    name: str


PIDS, SPEC, ENTRIES, BLANK, RING, LOST = (FakeMap(fd, name) for fd, name in enumerate(
    ("pids", "spec", "entries", "blank", "ring", "lost"), start=100))
_INSN = struct.Struct("<BBhi")
LDX_MEM, CALL = 0x61, 0x85  # BPF_LDX | BPF_MEM (| size), BPF_JMP | BPF_CALL
SIZES = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}


def insns(code: bytes) -> list[tuple[int, int, int, int, int]]:
    """(code, dst, src, off, imm) of each instruction; ld_imm64's second slot is skipped."""
    out, at = [], 0
    while at < len(code):
        op, regs, off, imm = _INSN.unpack_from(code, at)
        out.append((op, regs & 0xF, regs >> 4, off, imm))
        at += 16 if op == 0x18 else 8
    return out


def ctx_loads(code: bytes) -> list[tuple[int, int]]:
    """(offset, bytes) of every load from R6, which holds the tracepoint's record in these programs."""
    return [(off, SIZES[op & 0x18]) for op, _, src, off, _ in insns(code)
            if op & ~0x18 == LDX_MEM and src == 6]


def stream_filter(prog, skip_label: str, scratch: int = -8, keep: Reg | None = None) -> None:
    follow.emit_filter(prog, PIDS, True, skip_label, scratch, keep)


# ---- the format files ------------------------------------------------------------------------------


def test_format_files_of_both_arches_parse_to_offsets_and_sizes() -> None:
    for formats in (X86_64, AARCH64):
        assert layout(formats, "sys_enter").fields == {
            "common_type": (0, 2), "common_flags": (2, 1), "common_preempt_count": (3, 1),
            "common_pid": (4, 4), "id": (8, 8), "args": (16, 48)}
        assert layout(formats, "sys_exit").offset("ret", 8) == 16
    assert layout(X86_64, "sched_process_fork").offset("child_pid", 4) == 20  # after two __data_loc words
    assert layout(AARCH64, "sched_process_fork").offset("child_pid", 4) == 44  # after two char[16]
    assert layout(X86_64, "sched_process_exit").offset("group_dead", 1) == 32
    assert not layout(AARCH64, "sched_process_exit").has("group_dead")


def test_this_kernels_format_files_read_as_the_captured_ones() -> None:
    if tracefs.tracefs() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tracefs must be mounted in CI")
        pytest.skip("tracefs is not mounted here")
    for event in ("sys_enter", "sys_exit"):  # the same on every kernel since raw_syscalls came
        assert tracefs.tracepoint_layout(CATEGORY[event], event).fields == layout(X86_64, event).fields


# ---- the programs are built at the offsets the files give ----------------------------------------


@pytest.mark.parametrize("formats", [X86_64, AARCH64, MOVED], ids=["x86_64", "aarch64", "moved"])
def test_stream_programs_read_id_args_and_ret_where_the_format_says(formats: dict[str, str]) -> None:
    enter, leave = layout(formats, "sys_enter"), layout(formats, "sys_exit")
    id_at, args_at, ret_at = enter.offset("id", 8), enter.offset("args", 48), leave.offset("ret", 8)
    code = stream_programs.enter_program(stream_filter, SPEC, ENTRIES, BLANK, RING, LOST, enter).assemble()
    assert ctx_loads(code) == [(id_at, 8)] + [(args_at + 8 * i, 8) for i in range(6)]
    code = stream_programs.exit_program(SPEC, ENTRIES, RING, LOST, leave).assemble()
    assert ctx_loads(code) == [(ret_at, 8)]


def test_moved_fields_move_the_loads() -> None:
    enter = stream_programs.enter_program(stream_filter, SPEC, ENTRIES, BLANK, RING, LOST,
                                          layout(MOVED, "sys_enter")).assemble()
    assert ctx_loads(enter)[:2] == [(16, 8), (24, 8)]
    leave = stream_programs.exit_program(SPEC, ENTRIES, RING, LOST, layout(MOVED, "sys_exit")).assemble()
    assert ctx_loads(leave) == [(40, 8)]


@pytest.mark.parametrize(("formats", "child_pid"), [(X86_64, 20), (AARCH64, 44)], ids=["x86_64", "aarch64"])
def test_fork_program_reads_child_pid_where_the_format_says(formats: dict[str, str], child_pid: int) -> None:
    code = follow.fork_program(PIDS, layout(formats, "sched_process_fork")).assemble()
    assert ctx_loads(code) == [(child_pid, 4)]


def test_exit_program_uses_group_dead_only_where_the_kernel_has_it() -> None:
    deletes = lambda code: sum(1 for op, *_, imm in insns(code) if op == CALL and imm == 3)  # noqa: E731
    with_field = follow.exit_program(PIDS, True, layout(X86_64, "sched_process_exit")).assemble()
    assert ctx_loads(with_field) == [(32, 1)]
    assert deletes(with_field) == 2  # a thread's own id; the tgid once the group is dead
    without = follow.exit_program(PIDS, True, layout(AARCH64, "sched_process_exit")).assemble()
    assert ctx_loads(without) == [] and deletes(without) == 1  # the tgid waits for Target.live()
    by_tid = follow.exit_program(PIDS, False, layout(AARCH64, "sched_process_exit")).assemble()
    assert ctx_loads(by_tid) == [] and deletes(by_tid) == 1


# ---- a field missing, or of another size: one clear error -----------------------------------------


def test_a_missing_field_is_one_clear_error() -> None:
    renamed = X86_64["sys_exit"].replace("long ret;", "long res;")
    no_ret = tracefs.parse_format("raw_syscalls:sys_exit", renamed)
    with pytest.raises(RenacerError) as caught:
        stream_programs.exit_program(SPEC, ENTRIES, RING, LOST, no_ret)
    assert str(caught.value) == ("the tracepoint raw_syscalls:sys_exit has no field ret on this kernel "
                                 "(its tracefs format lists: id, res)")
    no_child = tracefs.parse_format("sched:sched_process_fork", "")
    with pytest.raises(RenacerError, match="^the tracepoint sched:sched_process_fork has no field child_pid"):
        follow.fork_program(PIDS, no_child)


def test_a_field_of_another_size_is_one_clear_error() -> None:
    narrow = tracefs.parse_format("raw_syscalls:sys_enter", X86_64["sys_enter"].replace("size:48", "size:24"))
    with pytest.raises(RenacerError) as caught:
        stream_programs.enter_program(stream_filter, SPEC, ENTRIES, BLANK, RING, LOST, narrow)
    assert str(caught.value) == ("the tracepoint raw_syscalls:sys_enter's field args is 24 bytes on this "
                                 "kernel, not the 48 renacer reads")
    assert "\n" not in str(caught.value)


def test_the_sessions_read_their_layouts_from_tracefs(monkeypatch: pytest.MonkeyPatch) -> None:
    """What stream.py and follow.py call: the format file's text, wherever tracefs has it."""
    asked = []

    def fake(category: str, event: str, leaf: str) -> str:
        asked.append((category, event, leaf))
        return AARCH64[event]

    monkeypatch.setattr(tracefs, "event_file", fake)
    assert bpf.tracepoint_layout("sched", "sched_process_fork").offset("child_pid", 4) == 44
    assert asked == [("sched", "sched_process_fork", "format")]


# ---- syscall numbers: from the Arch -----------------------------------------------------------------


def test_bpf_and_perf_event_open_numbers_come_from_the_arch() -> None:
    assert (bpf.SYS_BPF, bpf.SYS_PERF_EVENT_OPEN) == bpf.syscall_numbers(current())
    assert bpf.syscall_numbers(by_name("x86_64")) == (321, 298)  # asm/unistd_64.h
    generic = Arch(name="aarch64", syscalls=AARCH64_SYSCALLS, audit_arch=0xC00000B7, signatures={},
                   abi=AARCH64_ABI)
    assert bpf.syscall_numbers(generic) == (280, 241)  # asm-generic/unistd.h, which arm64 uses
    bare = Arch(name="aarch64", syscalls={280: "bpf"}, audit_arch=0xC00000B7, signatures={}, abi=AARCH64_ABI)
    with pytest.raises(RenacerError) as caught:
        bpf.syscall_numbers(bare)
    assert str(caught.value) == "--backend ebpf: renacer's aarch64 syscall table has no perf_event_open"


def test_every_arch_syscall_number_has_a_row_in_the_spec_map() -> None:
    for table in (by_name("x86_64").syscalls, AARCH64_SYSCALLS):
        assert max(table) < NR_LIMIT


# ---- on this kernel: -f with sched_process_exit as 6.1 prints it -----------------------------------


def test_follow_forks_ends_without_group_dead(monkeypatch: pytest.MonkeyPatch,
                                              build: Callable[[str], Path]) -> None:
    """A kernel without group_dead (arm64's 6.1): -f still counts every process and ends once they did."""
    from bpf_support import require_bpf

    require_bpf()
    from renacer.backends.ebpf.tracer import EbpfTracer
    from renacer.config import Config
    from renacer.events import SyscallTotals

    real = tracefs.event_file
    monkeypatch.setattr(tracefs, "event_file", lambda c, e, leaf: AARCH64[e] if (e, leaf) == (
        "sched_process_exit", "format") else real(c, e, leaf))
    prog = build("ebpf_fork.c")
    tracer = EbpfTracer(Config(command=(str(prog),), follow_forks=True, summary="only"))
    totals = {ev.name: ev.calls for ev in tracer.events() if isinstance(ev, SyscallTotals)}
    assert totals["getppid"] == 3 + 11 + 5 + 7  # main thread, thread, child, grandchild
    assert tracer.main_status is not None and os.WEXITSTATUS(tracer.main_status) == 0
