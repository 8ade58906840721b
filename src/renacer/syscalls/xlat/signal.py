"""Signal-handling constant tables (values from asm/signal.h, asm-generic/siginfo.h, linux/audit.h)."""

from __future__ import annotations

from . import Xlat

# Order follows strace's output (observed), not numeric order; strace 6.1 does not name
# SA_UNSUPPORTED (0x400) or SA_EXPOSE_TAGBITS (0x800).
SA_FLAGS = Xlat.of(
    (0x04000000, "SA_RESTORER"),
    (0x08000000, "SA_ONSTACK"),
    (0x10000000, "SA_RESTART"),
    (0x20000000, "SA_INTERRUPT"),
    (0x40000000, "SA_NODEFER"),
    (0x80000000, "SA_RESETHAND"),
    (0x00000004, "SA_SIGINFO"),
    (0x00000001, "SA_NOCLDSTOP"),
    (0x00000002, "SA_NOCLDWAIT"),
)
SIG_HANDLERS = Xlat.of((0, "SIG_DFL"), (1, "SIG_IGN"), (0xFFFFFFFFFFFFFFFF, "SIG_ERR"))
SIGPROCMASK_HOW = Xlat.of((0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK"))
SS_FLAGS = Xlat.of((1, "SS_ONSTACK"), (2, "SS_DISABLE"), (0x80000000, "SS_AUTODISARM"))

# si_code values any signal may carry (sent by a process or the kernel); signed.
SI_CODES = Xlat.of(
    (0, "SI_USER"),
    (0x80, "SI_KERNEL"),
    (-1, "SI_QUEUE"),
    (-2, "SI_TIMER"),
    (-3, "SI_MESGQ"),
    (-4, "SI_ASYNCIO"),
    (-5, "SI_SIGIO"),
    (-6, "SI_TKILL"),
    (-7, "SI_DETHREAD"),
    (-60, "SI_ASYNCNL"),
)
CLD_CODES = Xlat.of(
    (1, "CLD_EXITED"),
    (2, "CLD_KILLED"),
    (3, "CLD_DUMPED"),
    (4, "CLD_TRAPPED"),
    (5, "CLD_STOPPED"),
    (6, "CLD_CONTINUED"),
)
SEGV_CODES = Xlat.of(
    (1, "SEGV_MAPERR"),
    (2, "SEGV_ACCERR"),
    (3, "SEGV_BNDERR"),
    (4, "SEGV_PKUERR"),
    (5, "SEGV_ACCADI"),
    (6, "SEGV_ADIDERR"),
    (7, "SEGV_ADIPERR"),
    (8, "SEGV_MTEAERR"),
    (9, "SEGV_MTESERR"),
)
BUS_CODES = Xlat.of(
    (1, "BUS_ADRALN"), (2, "BUS_ADRERR"), (3, "BUS_OBJERR"), (4, "BUS_MCEERR_AR"), (5, "BUS_MCEERR_AO")
)
ILL_CODES = Xlat.of(
    (1, "ILL_ILLOPC"),
    (2, "ILL_ILLOPN"),
    (3, "ILL_ILLADR"),
    (4, "ILL_ILLTRP"),
    (5, "ILL_PRVOPC"),
    (6, "ILL_PRVREG"),
    (7, "ILL_COPROC"),
    (8, "ILL_BADSTK"),
    (9, "ILL_BADIADDR"),
)
FPE_CODES = Xlat.of(
    (1, "FPE_INTDIV"),
    (2, "FPE_INTOVF"),
    (3, "FPE_FLTDIV"),
    (4, "FPE_FLTOVF"),
    (5, "FPE_FLTUND"),
    (6, "FPE_FLTRES"),
    (7, "FPE_FLTINV"),
    (8, "FPE_FLTSUB"),
    (14, "FPE_FLTUNK"),
    (15, "FPE_CONDTRAP"),
)
TRAP_CODES = Xlat.of(
    (1, "TRAP_BRKPT"), (2, "TRAP_TRACE"), (3, "TRAP_BRANCH"),
    (4, "TRAP_HWBKPT"), (5, "TRAP_UNK"), (6, "TRAP_PERF"),
)
POLL_CODES = Xlat.of(
    (1, "POLL_IN"), (2, "POLL_OUT"), (3, "POLL_MSG"), (4, "POLL_ERR"), (5, "POLL_PRI"), (6, "POLL_HUP")
)
SYS_CODES = Xlat.of((1, "SYS_SECCOMP"), (2, "SYS_USER_DISPATCH"))
PIDFD_FLAGS = Xlat.of((0x800, "PIDFD_NONBLOCK"),)  # O_NONBLOCK

# si_arch of a SIGSYS (linux/audit.h: EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
AUDIT_ARCHES = Xlat.of(
    (0xc00000b7, "AUDIT_ARCH_AARCH64"),
    (0xc0009026, "AUDIT_ARCH_ALPHA"),
    (0x4000005d, "AUDIT_ARCH_ARCOMPACT"),
    (0x5d, "AUDIT_ARCH_ARCOMPACTBE"),
    (0x400000c3, "AUDIT_ARCH_ARCV2"),
    (0xc3, "AUDIT_ARCH_ARCV2BE"),
    (0x40000028, "AUDIT_ARCH_ARM"),
    (0x28, "AUDIT_ARCH_ARMEB"),
    (0x4000008c, "AUDIT_ARCH_C6X"),
    (0x8c, "AUDIT_ARCH_C6XBE"),
    (0x4000004c, "AUDIT_ARCH_CRIS"),
    (0x400000fc, "AUDIT_ARCH_CSKY"),
    (0x5441, "AUDIT_ARCH_FRV"),
    (0x2e, "AUDIT_ARCH_H8300"),
    (0xa4, "AUDIT_ARCH_HEXAGON"),
    (0x40000003, "AUDIT_ARCH_I386"),
    (0xc0000032, "AUDIT_ARCH_IA64"),
    (0x58, "AUDIT_ARCH_M32R"),
    (0x4, "AUDIT_ARCH_M68K"),
    (0xbd, "AUDIT_ARCH_MICROBLAZE"),
    (0x8, "AUDIT_ARCH_MIPS"),
    (0x40000008, "AUDIT_ARCH_MIPSEL"),
    (0x80000008, "AUDIT_ARCH_MIPS64"),
    (0xa0000008, "AUDIT_ARCH_MIPS64N32"),
    (0xc0000008, "AUDIT_ARCH_MIPSEL64"),
    (0xe0000008, "AUDIT_ARCH_MIPSEL64N32"),
    (0x400000a7, "AUDIT_ARCH_NDS32"),
    (0xa7, "AUDIT_ARCH_NDS32BE"),
    (0x40000071, "AUDIT_ARCH_NIOS2"),
    (0x5c, "AUDIT_ARCH_OPENRISC"),
    (0xf, "AUDIT_ARCH_PARISC"),
    (0x8000000f, "AUDIT_ARCH_PARISC64"),
    (0x14, "AUDIT_ARCH_PPC"),
    (0x80000015, "AUDIT_ARCH_PPC64"),
    (0xc0000015, "AUDIT_ARCH_PPC64LE"),
    (0x400000f3, "AUDIT_ARCH_RISCV32"),
    (0xc00000f3, "AUDIT_ARCH_RISCV64"),
    (0x16, "AUDIT_ARCH_S390"),
    (0x80000016, "AUDIT_ARCH_S390X"),
    (0x2a, "AUDIT_ARCH_SH"),
    (0x4000002a, "AUDIT_ARCH_SHEL"),
    (0x8000002a, "AUDIT_ARCH_SH64"),
    (0xc000002a, "AUDIT_ARCH_SHEL64"),
    (0x2, "AUDIT_ARCH_SPARC"),
    (0x8000002b, "AUDIT_ARCH_SPARC64"),
    (0xc00000bf, "AUDIT_ARCH_TILEGX"),
    (0x400000bf, "AUDIT_ARCH_TILEGX32"),
    (0x400000bc, "AUDIT_ARCH_TILEPRO"),
    (0x4000006e, "AUDIT_ARCH_UNICORE"),
    (0xc000003e, "AUDIT_ARCH_X86_64"),
    (0x5e, "AUDIT_ARCH_XTENSA"),
    (0x40000102, "AUDIT_ARCH_LOONGARCH32"),
    (0xc0000102, "AUDIT_ARCH_LOONGARCH64"),
)
