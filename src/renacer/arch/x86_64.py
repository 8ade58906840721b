"""The x86_64 Arch."""

from __future__ import annotations

from . import Arch
from .abi import X86_64_ABI
from .x86_64_classes import CLASSES, OTHER_PERSONALITY_NAMES
from .x86_64_signatures import SIGNATURES
from .x86_64_table import SYSCALLS

AUDIT_ARCH_X86_64 = 0xC000003E  # EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
X32_SYSCALL_BIT = 0x40000000  # __X32_SYSCALL_BIT: x32 calls share the audit arch, numbered from here

# preadv/pwritev take the offset as pos_l and pos_h; on a 64-bit arch pos_l holds all of it and
# strace counts four arguments (observed with -e raw=); the *v2 variants keep all six.
NARGS_OVERRIDES = {"preadv": 4, "pwritev": 4}

X86_64 = Arch(name="x86_64", syscalls=SYSCALLS, audit_arch=AUDIT_ARCH_X86_64, signatures=SIGNATURES,
              abi=X86_64_ABI, nargs_overrides=NARGS_OVERRIDES, classes=CLASSES,
              other_names=OTHER_PERSONALITY_NAMES, foreign_from=X32_SYSCALL_BIT,
              # struct user_regs_struct's orig_rax (15th word): -1 when not entered by a syscall
              interrupted_nr_at=15 * 8)
