"""The aarch64 Arch."""

from __future__ import annotations

from . import Arch
from .aarch64_classes import CLASSES, OTHER_PERSONALITY_NAMES
from .aarch64_signatures import SIGNATURES
from .aarch64_table import SYSCALLS
from .abi import AARCH64_ABI

AUDIT_ARCH_AARCH64 = 0xC00000B7  # EM_AARCH64 (183) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE (linux/audit.h)

# preadv/pwritev take the offset as pos_l and pos_h; a 64-bit arch passes all of it in pos_l, and
# strace's table for the generic 64-bit syscalls, which aarch64 uses, counts four arguments
# (x86_64 observed with -e raw=; to be confirmed on aarch64); the *v2 variants keep all six.
NARGS_OVERRIDES = {"preadv": 4, "pwritev": 4}

AARCH64 = Arch(name="aarch64", syscalls=SYSCALLS, audit_arch=AUDIT_ARCH_AARCH64, signatures=SIGNATURES,
               abi=AARCH64_ABI, nargs_overrides=NARGS_OVERRIDES, classes=CLASSES,
               other_names=OTHER_PERSONALITY_NAMES,
               # struct user_pt_regs: x0-x30, sp, pc. The number stays in x8 (the kernel only
               # forgets its own copy); pc is rewound onto `svc #0` (0xd4000001) to restart a call
               interrupted_nr_at=8 * 8, restart_insn=(0xD4000001).to_bytes(4, "little"), pc_at=32 * 8)
