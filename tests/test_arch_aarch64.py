"""The aarch64 Arch on any host: its generated syscall table, its fields, the -e trace= language with it."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from pathlib import Path
from types import ModuleType

import pytest

from renacer.arch import by_name, current
from renacer.arch.abi import AARCH64_ABI
from renacer.errors import RenacerError
from renacer.filter import parse_trace_set

ROOT = Path(__file__).resolve().parent.parent
GENERIC_HEADER = "/usr/include/asm-generic/unistd.h"
ARCH = by_name("aarch64")
EVERY = frozenset(range(max(ARCH.syscalls) + 1))


def tool(name: str) -> ModuleType:
    """A generator script of tools/ loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def names(expr: str) -> set[str]:
    """The aarch64 names an expression selects (every one for None)."""
    selected = parse_trace_set(expr, ARCH)
    return {ARCH.syscalls[n] for n in (EVERY if selected is None else selected) if n in ARCH.syscalls}


def error(expr: str) -> str:
    with pytest.raises(RenacerError) as err:
        parse_trace_set(expr, ARCH)
    return err.value.message


@pytest.mark.parametrize(
    ("name", "nr"),
    [("io_setup", 0), ("renameat", 38), ("openat", 56), ("close", 57), ("lseek", 62), ("read", 63),
     ("write", 64), ("newfstatat", 79), ("fstat", 80), ("sync_file_range", 84), ("exit", 93),
     ("exit_group", 94), ("getrlimit", 163), ("clone", 220), ("execve", 221), ("mmap", 222),
     ("fadvise64", 223), ("wait4", 260), ("clone3", 435), ("memfd_secret", 447)],
)
def test_the_table_numbers_aarch64_syscalls_as_the_generic_header_does(name, nr):
    assert ARCH.syscalls[nr] == name
    assert ARCH.numbers[name] == nr


def test_the_table_lacks_the_calls_aarch64_never_had():
    own = set(ARCH.syscalls.values())
    for gone in ("open", "stat", "lstat", "fork", "vfork", "access", "pipe", "dup2", "poll", "select",
                 "arch_prctl", "fcntl64", "mmap2", "sync_file_range2", "clock_gettime64"):
        assert gone not in own
    assert 244 not in ARCH.syscalls and 402 not in ARCH.syscalls  # arch-specific slots, unassigned gap
    assert max(ARCH.syscalls) == 450 and len(ARCH.syscalls) == 306


def test_the_committed_table_is_what_the_generator_makes_from_the_header():
    if not Path(GENERIC_HEADER).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{GENERIC_HEADER} must exist in CI (linux-libc-dev)")
        pytest.skip(f"{GENERIC_HEADER} is not installed")
    gen = tool("gen_syscalls")
    text = gen.render("aarch64", GENERIC_HEADER, gen.read_table("aarch64", GENERIC_HEADER))
    assert text == (ROOT / "src/renacer/arch/aarch64_table.py").read_text()


def test_the_generic_header_parser_follows_conditions_and_the_64_bit_names():
    header = """
#if __BITS_PER_LONG == 32 || defined(__SYSCALL_COMPAT)
#define __SC_3264(_nr, _32, _64) __SYSCALL(_nr, _32)
#endif
#define __NR_io_setup 0
__SC_COMP(__NR_io_setup, sys_io_setup, compat_sys_io_setup)
#ifdef __ARCH_WANT_RENAMEAT
#define __NR_renameat 38
__SYSCALL(__NR_renameat, sys_renameat)
#endif
#define __NR3264_fstatat 79
__SC_3264(__NR3264_fstatat, sys_fstatat64, \\
          sys_newfstatat)
#ifdef __ARCH_WANT_SYNC_FILE_RANGE2
#define __NR_sync_file_range2 84
__SYSCALL(__NR_sync_file_range2, sys_sync_file_range2)
#else
#define __NR_sync_file_range 84
__SYSCALL(__NR_sync_file_range, sys_sync_file_range)
#endif
#if defined(__SYSCALL_COMPAT) || __BITS_PER_LONG == 32
#define __NR_clock_gettime64 403
__SYSCALL(__NR_clock_gettime64, sys_clock_gettime)
#endif
#define __NR_arch_specific_syscall 244
#if __BITS_PER_LONG == 64 && !defined(__SYSCALL_COMPAT)
#define __NR_newfstatat __NR3264_fstatat
#else
#define __NR_fstatat64 __NR3264_fstatat
#endif
"""
    gen = tool("gen_syscalls")
    wants = gen.GenericArch(bits_per_long=64, wants=frozenset({"__ARCH_WANT_RENAMEAT"}))
    assert gen.parse_generic_header(header, wants) == {
        0: "io_setup", 38: "renameat", 79: "newfstatat", 84: "sync_file_range"}
    plain = gen.GenericArch(bits_per_long=32, wants=frozenset({"__ARCH_WANT_SYNC_FILE_RANGE2"}))
    assert gen.parse_generic_header(header, plain) == {
        0: "io_setup", 79: "fstatat64", 84: "sync_file_range2", 403: "clock_gettime64"}


def test_by_name_gives_the_aarch64_arch():
    assert ARCH.name == "aarch64"
    assert ARCH.audit_arch == 0xC00000B7  # EM_AARCH64 183 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    assert ARCH.abi is AARCH64_ABI
    assert ARCH.numbers == {name: nr for nr, name in ARCH.syscalls.items()}
    assert ARCH.nargs_overrides == {"preadv": 4, "pwritev": 4}
    if platform.machine() == "aarch64":
        assert current() is ARCH


def test_names_and_argument_counts():
    assert ARCH.syscall_name(63) == "read"
    assert ARCH.syscall_name(79) == "newfstatat"
    assert ARCH.syscall_name(1000) == "syscall_0x3e8"
    assert ARCH.syscall_name(244) == "syscall_0xf4"
    counts = {"read": 3, "openat": 4, "exit_group": 1, "mmap": 6, "clone": 5, "newfstatat": 4,
              "preadv": 4, "preadv2": 6, "getpid": 0, "no_such_call": 6}
    assert {name: ARCH.nargs(name) for name in counts} == counts


def test_classes_name_only_aarch64_calls():
    own = set(ARCH.syscalls.values())
    assert {"%file", "file", "%process", "%%stat", "%stat", "%net"} <= set(ARCH.classes)
    for spelling, members in ARCH.classes.items():
        assert members <= own, spelling


def test_names_of_the_arm_personality_are_accepted_and_select_nothing():
    assert {"open", "stat", "lstat", "fork", "vfork", "access", "pipe", "dup2", "mmap2", "fstat64",
            "_llseek", "breakpoint", "cacheflush", "set_tls"} <= ARCH.other_names
    assert not ARCH.other_names & set(ARCH.syscalls.values())
    assert "arch_prctl" not in ARCH.other_names  # an x86 name strace rejects on aarch64
    for name in ("open", "stat", "fork", "?open", "/^open$", "/^(open|arch_prctl)$", "%stat", "%lstat"):
        assert parse_trace_set(name, ARCH) == frozenset(), name


@pytest.mark.parametrize("expr", ["arch_prctl", "open,arch_prctl", "/^arch_prctl", "net", "creds",
                                  "!", ",", "451", "%desc,!close"])
def test_what_strace_rejects_on_aarch64_is_an_error(expr):
    bad = {"open,arch_prctl": "arch_prctl", "%desc,!close": "!close"}.get(expr, expr)
    assert error(expr) == f"invalid system call '{bad}'"


def test_the_language_with_the_aarch64_table():
    assert names("/^stat") == {"statfs", "statx"}
    assert names("%%stat") == {"fstat", "newfstatat", "statx"}
    assert names("openat,close") == {"openat", "close"}
    assert names("?arch_prctl,read") == {"read"}
    assert names("79") == {"newfstatat"}
    assert parse_trace_set("300", ARCH) == frozenset({300})  # a gap here, a call of 32-bit arm
    assert names("file") == names("%file") and "openat" in names("%file")
    assert "open" not in names("%file") and "access" not in names("%file")
    assert parse_trace_set("!open", ARCH) is None  # not nothing: everything
    assert parse_trace_set("!!open", ARCH) == frozenset()
    assert names("!%%stat") == set(ARCH.syscalls.values()) - {"fstat", "newfstatat", "statx"}
    assert parse_trace_set("none", ARCH) == frozenset() and parse_trace_set("all", ARCH) is None


def test_binary_words_keeps_the_tails_a_linker_shares(tmp_path):
    sample = tmp_path / "strace"
    sample.write_bytes(b"\x01\x02lstat\x00\x7fopen\x00Capital\x00x86_64\x00")
    found = tool("gen_trace_classes").binary_words(sample)
    assert {"lstat", "stat", "tat", "at", "open", "apital", "x86_64", "_64"} <= found
    assert "86_64" not in found and "64" not in found  # no identifier starts with a digit


def _regs(words: dict[int, int], size: int) -> bytes:
    """An NT_PRSTATUS block of ``size`` words with ``words`` (index -> value) set, the rest zero."""
    return b"".join((words.get(i, 0) & (1 << 64) - 1).to_bytes(8, "little") for i in range(size))


def test_the_interrupted_call_is_x8_only_when_pc_was_rewound_onto_svc():
    from renacer.source.registers import register_set

    arm = register_set("aarch64")
    slots = dict(arm.raw_slots)
    assert (ARCH.interrupted_nr_at, ARCH.pc_at) == (slots[8], slots[arm.pc])  # x8, pc in user_pt_regs
    svc = bytes.fromhex("010000d4")  # svc #0, as objdump shows it in glibc's syscall stubs
    nanosleep = ARCH.numbers["clock_nanosleep"]
    regs = _regs({8: nanosleep, 32: 0x400100}, 34)
    code = {0x400100: svc}
    assert ARCH.interrupted_call(regs, lambda addr, size: code.get(addr)) == nanosleep
    # a signal in user code: x8 is whatever the program left there, pc is not on an svc
    assert ARCH.interrupted_call(regs, lambda addr, size: b"\x1f\x20\x03\xd5") is None
    assert ARCH.interrupted_call(regs, lambda addr, size: None) is None  # pc unreadable
    assert ARCH.interrupted_call(regs[:64], lambda addr, size: svc) is None  # a short block


def test_the_interrupted_call_on_x86_64_is_orig_rax():
    from renacer.arch.abi import X86_64_ABI

    x86 = by_name("x86_64")
    assert x86.interrupted_nr_at == 8 * X86_64_ABI.user_regs.index("ORIG_RAX")  # sys/user.h's order
    orig_rax = X86_64_ABI.user_regs.index("ORIG_RAX")
    never = lambda addr, size: pytest.fail("x86_64 reads no code")  # noqa: E731
    assert x86.interrupted_call(_regs({orig_rax: 230}, 27), never) == 230
    assert x86.interrupted_call(_regs({orig_rax: -1}, 27), never) is None  # entered by no syscall


@pytest.mark.parametrize("arch", ["aarch64", "x86_64"])
def test_the_kernels_clone_order_is_the_one_the_decoder_reads(arch):
    # the signatures are read from each arch's own tracefs: clone's registers in the kernel's order
    which = by_name(arch)
    kernel = [name for _, name in which.signatures["clone"]]
    assert kernel.index("tls") == which.abi.clone_args.index("tls")
    assert kernel.index("child_tidptr") == which.abi.clone_args.index("child_tid")


def test_aarch64_signatures_and_classes_were_observed_on_aarch64():
    import renacer.arch.aarch64_classes as classes
    import renacer.arch.aarch64_signatures as signatures

    assert "PROVISIONAL" not in (signatures.__doc__ or "") + (classes.__doc__ or "")
    assert "tracefs" in (signatures.__doc__ or "") and "strace" in (classes.__doc__ or "")
    assert ARCH.signatures["personality"] == (("unsigned int", "personality"),)  # arm64_personality
    assert "arm64_personality" in ARCH.signatures and "arm64_personality" not in ARCH.numbers
