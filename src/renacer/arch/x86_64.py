"""The x86_64 Arch."""

from __future__ import annotations

from . import Arch
from .x86_64_signatures import SIGNATURES
from .x86_64_table import SYSCALLS

AUDIT_ARCH_X86_64 = 0xC000003E  # EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE

X86_64 = Arch(name="x86_64", syscalls=SYSCALLS, audit_arch=AUDIT_ARCH_X86_64, signatures=SIGNATURES)
