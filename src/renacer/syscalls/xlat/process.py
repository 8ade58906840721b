"""Process constant tables (from linux/sched.h, asm-generic/resource.h, asm/prctl.h, linux/ptrace.h)."""

from __future__ import annotations

from . import Xlat

CLONE_FLAGS = Xlat.of(
    (0x00000080, "CLONE_NEWTIME"),  # first: strace lists the bits in ascending order
    (0x00000100, "CLONE_VM"),
    (0x00000200, "CLONE_FS"),
    (0x00000400, "CLONE_FILES"),
    (0x00000800, "CLONE_SIGHAND"),
    (0x00001000, "CLONE_PIDFD"),
    (0x00002000, "CLONE_PTRACE"),
    (0x00004000, "CLONE_VFORK"),
    (0x00008000, "CLONE_PARENT"),
    (0x00010000, "CLONE_THREAD"),
    (0x00020000, "CLONE_NEWNS"),
    (0x00040000, "CLONE_SYSVSEM"),
    (0x00080000, "CLONE_SETTLS"),
    (0x00100000, "CLONE_PARENT_SETTID"),
    (0x00200000, "CLONE_CHILD_CLEARTID"),
    (0x00400000, "CLONE_DETACHED"),
    (0x00800000, "CLONE_UNTRACED"),
    (0x01000000, "CLONE_CHILD_SETTID"),
    (0x02000000, "CLONE_NEWCGROUP"),
    (0x04000000, "CLONE_NEWUTS"),
    (0x08000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
    (0x100000000, "CLONE_CLEAR_SIGHAND"),
    (0x200000000, "CLONE_INTO_CGROUP"),
)
RLIMITS = Xlat.of(
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
)
ARCH_PRCTL = Xlat.of(
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
)
# wait4/waitid options (linux/wait.h), in the order strace prints them.
WAIT_OPTIONS = Xlat.of(
    (0x1, "WNOHANG"),
    (0x4, "WEXITED"),
    (0x2, "WSTOPPED"),  # also WUNTRACED; strace names it WSTOPPED
    (0x8, "WCONTINUED"),
    (0x01000000, "WNOWAIT"),
    (0x80000000, "__WCLONE"),
    (0x40000000, "__WALL"),
    (0x20000000, "__WNOTHREAD"),
)
GETRANDOM_FLAGS = Xlat.of((0x1, "GRND_NONBLOCK"), (0x2, "GRND_RANDOM"), (0x4, "GRND_INSECURE"))
PRIO_WHICH = Xlat.of((0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER"))

# ptrace requests: the generic ones, then x86_64's (asm/ptrace-abi.h).
PTRACE_REQUESTS = Xlat.of(
    (0, "PTRACE_TRACEME"),
    (1, "PTRACE_PEEKTEXT"),
    (2, "PTRACE_PEEKDATA"),
    (3, "PTRACE_PEEKUSER"),
    (4, "PTRACE_POKETEXT"),
    (5, "PTRACE_POKEDATA"),
    (6, "PTRACE_POKEUSER"),
    (7, "PTRACE_CONT"),
    (8, "PTRACE_KILL"),
    (9, "PTRACE_SINGLESTEP"),
    (16, "PTRACE_ATTACH"),
    (17, "PTRACE_DETACH"),
    (24, "PTRACE_SYSCALL"),
    (0x4200, "PTRACE_SETOPTIONS"),
    (0x4201, "PTRACE_GETEVENTMSG"),
    (0x4202, "PTRACE_GETSIGINFO"),
    (0x4203, "PTRACE_SETSIGINFO"),
    (0x4204, "PTRACE_GETREGSET"),
    (0x4205, "PTRACE_SETREGSET"),
    (0x4206, "PTRACE_SEIZE"),
    (0x4207, "PTRACE_INTERRUPT"),
    (0x4208, "PTRACE_LISTEN"),
    (0x4209, "PTRACE_PEEKSIGINFO"),
    (0x420A, "PTRACE_GETSIGMASK"),
    (0x420B, "PTRACE_SETSIGMASK"),
    (0x420C, "PTRACE_SECCOMP_GET_FILTER"),
    (0x420D, "PTRACE_SECCOMP_GET_METADATA"),
    (0x420E, "PTRACE_GET_SYSCALL_INFO"),
    (0x420F, "PTRACE_GET_RSEQ_CONFIGURATION"),
    (12, "PTRACE_GETREGS"),
    (13, "PTRACE_SETREGS"),
    (14, "PTRACE_GETFPREGS"),
    (15, "PTRACE_SETFPREGS"),
    (18, "PTRACE_GETFPXREGS"),
    (19, "PTRACE_SETFPXREGS"),
    (21, "PTRACE_OLDSETOPTIONS"),
    (25, "PTRACE_GET_THREAD_AREA"),
    (26, "PTRACE_SET_THREAD_AREA"),
    (30, "PTRACE_ARCH_PRCTL"),
    (31, "PTRACE_SYSEMU"),
    (32, "PTRACE_SYSEMU_SINGLESTEP"),
    (33, "PTRACE_SINGLEBLOCK"),
)
PTRACE_OPTIONS = Xlat.of(
    (0x000001, "PTRACE_O_TRACESYSGOOD"),
    (0x000002, "PTRACE_O_TRACEFORK"),
    (0x000004, "PTRACE_O_TRACEVFORK"),
    (0x000008, "PTRACE_O_TRACECLONE"),
    (0x000010, "PTRACE_O_TRACEEXEC"),
    (0x000020, "PTRACE_O_TRACEVFORKDONE"),
    (0x000040, "PTRACE_O_TRACEEXIT"),
    (0x000080, "PTRACE_O_TRACESECCOMP"),
    (0x100000, "PTRACE_O_EXITKILL"),
    (0x200000, "PTRACE_O_SUSPEND_SECCOMP"),
)
PTRACE_EVENTS = Xlat.of(
    (1, "PTRACE_EVENT_FORK"),
    (2, "PTRACE_EVENT_VFORK"),
    (3, "PTRACE_EVENT_CLONE"),
    (4, "PTRACE_EVENT_EXEC"),
    (5, "PTRACE_EVENT_VFORK_DONE"),
    (6, "PTRACE_EVENT_EXIT"),
    (7, "PTRACE_EVENT_SECCOMP"),
    (128, "PTRACE_EVENT_STOP"),
)
PTRACE_PEEKSIGINFO_FLAGS = Xlat.of((1, "PTRACE_PEEKSIGINFO_SHARED"),)
# Register-set note types for PTRACE_GETREGSET (elf.h).
NT_TYPES = Xlat.of(
    (1, "NT_PRSTATUS"),
    (2, "NT_FPREGSET"),
    (3, "NT_PRPSINFO"),
    (4, "NT_TASKSTRUCT"),
    (6, "NT_AUXV"),
    (0x200, "NT_386_TLS"),
    (0x201, "NT_386_IOPERM"),
    (0x202, "NT_X86_XSTATE"),
    (0x46E62B7F, "NT_PRXFPREG"),
    (0x53494749, "NT_SIGINFO"),
    (0x46494C45, "NT_FILE"),
)
# x86_64's struct user (sys/user.h) as PTRACE_PEEKUSER addresses it: registers, then members.
USER_REGS = (
    "R15", "R14", "R13", "R12", "RBP", "RBX", "R11", "R10", "R9", "R8", "RAX", "RCX", "RDX", "RSI", "RDI",
    "ORIG_RAX", "RIP", "CS", "EFLAGS", "RSP", "SS", "FS_BASE", "GS_BASE", "DS", "ES", "FS", "GS",
)
USER_MEMBERS = Xlat.of(
    (216, "u_fpvalid"),
    (224, "i387"),
    (736, "u_tsize"),
    (744, "u_dsize"),
    (752, "u_ssize"),
    (760, "start_code"),
    (768, "start_stack"),
    (776, "signal"),
    (784, "reserved"),
    (792, "u_ar0"),
    (800, "u_fpstate"),
    (808, "magic"),
    (816, "u_comm"),
    (848, "u_debugreg"),
)
USER_SIZE = 912
