"""Task constant tables: identity, capabilities, scheduling, personality, namespaces, prctl.

Values from linux/capability.h, linux/sched.h, linux/personality.h, linux/prctl.h,
linux/securebits.h, linux/seccomp.h, linux/wait.h and linux/resource.h.
"""

from __future__ import annotations

from . import Xlat

# Capability numbers 0..40, in order (linux/capability.h).
_CAP_NAMES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)
CAPS = Xlat(tuple(enumerate(_CAP_NAMES)))
# A capability set is two 32-bit words; each word's bits print as 1<<CAP_NAME.
CAP_BITS_LOW = Xlat(tuple((1 << n, f"1<<{name}") for n, name in enumerate(_CAP_NAMES[:32])))
CAP_BITS_HIGH = Xlat(tuple((1 << n, f"1<<{name}") for n, name in enumerate(_CAP_NAMES[32:])))
CAP_VERSIONS = Xlat.of(
    (0x19980330, "_LINUX_CAPABILITY_VERSION_1"),
    (0x20071026, "_LINUX_CAPABILITY_VERSION_2"),
    (0x20080522, "_LINUX_CAPABILITY_VERSION_3"),
)

SCHED_POLICIES = Xlat(tuple(enumerate(
    ("SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE")
)))
SCHED_FLAGS = Xlat.of(
    (0x01, "SCHED_FLAG_RESET_ON_FORK"),
    (0x02, "SCHED_FLAG_RECLAIM"),
    (0x04, "SCHED_FLAG_DL_OVERRUN"),
    (0x08, "SCHED_FLAG_KEEP_POLICY"),
    (0x10, "SCHED_FLAG_KEEP_PARAMS"),
    (0x20, "SCHED_FLAG_UTIL_CLAMP_MIN"),
    (0x40, "SCHED_FLAG_UTIL_CLAMP_MAX"),
)

# The execution domain in a personality's low byte: only those defined without flag bits.
PERSONALITY_TYPES = Xlat.of(
    (0x00, "PER_LINUX"),
    (0x06, "PER_BSD"),
    (0x08, "PER_LINUX32"),
    (0x0C, "PER_RISCOS"),
    (0x0F, "PER_OSF4"),
    (0x10, "PER_HPUX"),
)
PERSONALITY_FLAGS = Xlat.of(
    (0x0020000, "UNAME26"),
    (0x0040000, "ADDR_NO_RANDOMIZE"),
    (0x0080000, "FDPIC_FUNCPTRS"),
    (0x0100000, "MMAP_PAGE_ZERO"),
    (0x0200000, "ADDR_COMPAT_LAYOUT"),
    (0x0400000, "READ_IMPLIES_EXEC"),
    (0x0800000, "ADDR_LIMIT_32BIT"),
    (0x1000000, "SHORT_INODE"),
    (0x2000000, "WHOLE_SECONDS"),
    (0x4000000, "STICKY_TIMEOUTS"),
    (0x8000000, "ADDR_LIMIT_3GB"),
)

# setns's nstype: the CLONE_NEW* bits alone.
NS_TYPES = Xlat.of(
    (0x00000080, "CLONE_NEWTIME"),
    (0x00020000, "CLONE_NEWNS"),
    (0x02000000, "CLONE_NEWCGROUP"),
    (0x04000000, "CLONE_NEWUTS"),
    (0x08000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
)

RUSAGE_WHO = Xlat.of((0, "RUSAGE_SELF"), (0xFFFFFFFF, "RUSAGE_CHILDREN"), (1, "RUSAGE_THREAD"))
ID_TYPES = Xlat.of((0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD"))

# ---- prctl -----------------------------------------------------------------------------------

PR_OPTIONS = Xlat.of(
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (43, "PR_MPX_ENABLE_MANAGEMENT"),
    (44, "PR_MPX_DISABLE_MANAGEMENT"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (0x59616D61, "PR_SET_PTRACER"),
    (0x53564D41, "PR_SET_VMA"),
)
SUID_DUMP = Xlat.of((0, "SUID_DUMP_DISABLE"), (1, "SUID_DUMP_USER"), (2, "SUID_DUMP_ROOT"))
SECCOMP_MODES = Xlat.of((0, "SECCOMP_MODE_DISABLED"), (1, "SECCOMP_MODE_STRICT"), (2, "SECCOMP_MODE_FILTER"))
SECUREBITS = Xlat.of(
    (0x01, "SECBIT_NOROOT"),
    (0x02, "SECBIT_NOROOT_LOCKED"),
    (0x04, "SECBIT_NO_SETUID_FIXUP"),
    (0x08, "SECBIT_NO_SETUID_FIXUP_LOCKED"),
    (0x10, "SECBIT_KEEP_CAPS"),
    (0x20, "SECBIT_KEEP_CAPS_LOCKED"),
    (0x40, "SECBIT_NO_CAP_AMBIENT_RAISE"),
    (0x80, "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"),
)
PR_CAP_AMBIENT_OPS = Xlat.of(
    (1, "PR_CAP_AMBIENT_IS_SET"),
    (2, "PR_CAP_AMBIENT_RAISE"),
    (3, "PR_CAP_AMBIENT_LOWER"),
    (4, "PR_CAP_AMBIENT_CLEAR_ALL"),
)
PR_SPEC_WHICH = Xlat.of((0, "PR_SPEC_STORE_BYPASS"), (1, "PR_SPEC_INDIRECT_BRANCH"), (2, "PR_SPEC_L1D_FLUSH"))
PR_SPEC_STATE = Xlat.of(
    (0x01, "PR_SPEC_PRCTL"),
    (0x02, "PR_SPEC_ENABLE"),
    (0x04, "PR_SPEC_DISABLE"),
    (0x08, "PR_SPEC_FORCE_DISABLE"),
    (0x10, "PR_SPEC_DISABLE_NOEXEC"),
)
PR_MCE_KILL_POLICY = Xlat.of((0, "PR_MCE_KILL_LATE"), (1, "PR_MCE_KILL_EARLY"), (2, "PR_MCE_KILL_DEFAULT"))
PR_TSC = Xlat.of((1, "PR_TSC_ENABLE"), (2, "PR_TSC_SIGSEGV"))
PR_SET_MM_OPS = Xlat(tuple(enumerate(
    ("PR_SET_MM_START_CODE", "PR_SET_MM_END_CODE", "PR_SET_MM_START_DATA", "PR_SET_MM_END_DATA",
     "PR_SET_MM_START_STACK", "PR_SET_MM_START_BRK", "PR_SET_MM_BRK", "PR_SET_MM_ARG_START",
     "PR_SET_MM_ARG_END", "PR_SET_MM_ENV_START", "PR_SET_MM_ENV_END", "PR_SET_MM_AUXV",
     "PR_SET_MM_EXE_FILE", "PR_SET_MM_MAP", "PR_SET_MM_MAP_SIZE"),
    start=1,
)))
PR_SET_VMA_OPS = Xlat.of((0, "PR_SET_VMA_ANON_NAME"),)
PR_SET_PTRACER_ANY = 0xFFFFFFFFFFFFFFFF
