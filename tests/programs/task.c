/* Process control and identity, each call in the cases strace prints differently.
 * Nothing here changes the machine or the test runner: identity, securebits, namespaces and
 * scheduling changes happen in forked children; the rest sets values already held, or fails
 * (bogus pid NOPID: ESRCH; bad pointer BAD: EFAULT; unknown values: EINVAL).
 * - getrusage: RUSAGE_CHILDREN before any child exists (every field 0), unknown who, NULL.
 * - uid/gid family, getgroups/setgroups (a child sets five groups and becomes nobody).
 * - capget/capset: v3 and v1 headers, unknown version, other pid, unknown bits, NULL/BAD.
 * - prctl: names (15-byte limit), pdeathsig, dumpable, no_new_privs, subreaper, capbset,
 *   keepcaps, timerslack, seccomp (strict mode in a child that then calls exit), securebits,
 *   ambient caps, speculation, io_flusher, PR_SET_VMA, PR_SET_MM, unknown options and sub-options.
 * - sched_*: affinity (pinned to the first allowed CPU so getcpu is stable), policies,
 *   sched_param, sched_attr (sizes 0, 4, 48, 56, 64 and E2BIG, kept policy/params), rr interval.
 * - getrlimit/setrlimit/prlimit64, getpriority/setpriority, personality (query, odd values,
 *   restored at once), unshare/setns, ptrace requests on NOPID (the fixture is traced itself,
 *   so PTRACE_TRACEME fails), execveat failing, times on a bad pointer (its tick count would
 *   differ between runs), process groups and sessions.
 * - wait4/waitid: exited, killed, stopped and continued children, WNOHANG with none ready,
 *   WNOWAIT, ECHILD, unknown idtype and options. SIGCHLD is blocked so it cannot race. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define BAD ((void *)1) /* a pointer the kernel cannot read */
#define NOPID 0x7fffffff /* above pid_max: no such process */

struct sched_attr_v1 {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

static long attr_buf[512]; /* zeroed room past a sched_attr, so large sizes read zeros */

static void identity(void)
{
    syscall(SYS_getuid);
    syscall(SYS_geteuid);
    syscall(SYS_getgid);
    syscall(SYS_getegid);
    syscall(SYS_setuid, getuid());
    syscall(SYS_setgid, getgid());
    syscall(SYS_setreuid, -1, -1);
    syscall(SYS_setregid, -1, getegid());
    syscall(SYS_setresuid, -1, geteuid(), -1);
    syscall(SYS_setresgid, -1, -1, -1);
    uid_t r, e, s;
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_getresgid, &r, &e, NULL);
    syscall(SYS_setfsuid, -1);
    syscall(SYS_setfsgid, -1);
    gid_t groups[64];
    syscall(SYS_getgroups, 0, NULL);
    long n = syscall(SYS_getgroups, 64, groups);
    syscall(SYS_setgroups, n, groups);
    syscall(SYS_setgroups, -1, groups);
    syscall(SYS_setgroups, 70000, groups);
    syscall(SYS_setgroups, 2, BAD);
    syscall(SYS_setgroups, 0, BAD);
    syscall(SYS_getgroups, -1, groups);
}

static void identity_child(void)
{
    gid_t five[5] = {0, 1, 2, 3, 4}, got[8];
    syscall(SYS_setgroups, 5, five);
    syscall(SYS_getgroups, 8, got);
    syscall(SYS_getgroups, 0, got);
    syscall(SYS_getgroups, 2, got);
    syscall(SYS_getgroups, 5, BAD);
    syscall(SYS_setgroups, 0, NULL);
    syscall(SYS_setresgid, 100000, -1, -2);
    syscall(SYS_setfsuid, 0x123456789ul);
    syscall(SYS_setuid, 0xfffffffe);
    syscall(SYS_setfsuid, -1);
    syscall(SYS_setuid, -1);
    syscall(SYS_setreuid, 0xfffffffe, 0x7fffffff);
    syscall(SYS_setuid, 0);
}

static void capabilities(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2], odd[2] = {{0xffffffff, 0x1, 0x80000000}, {0xffffffff, 0x400, 0}};
    syscall(SYS_capget, &hdr, data);
    syscall(SYS_capset, &hdr, data);
    syscall(SYS_capget, &hdr, NULL);
    syscall(SYS_capget, &hdr, BAD);
    syscall(SYS_capset, &hdr, BAD);
    syscall(SYS_capset, &hdr, NULL);
    hdr.pid = NOPID;
    syscall(SYS_capget, &hdr, data);
    syscall(SYS_capset, &hdr, odd);
    hdr.version = _LINUX_CAPABILITY_VERSION_1;
    syscall(SYS_capset, &hdr, odd);
    hdr.pid = 0;
    syscall(SYS_capget, &hdr, data);
    hdr.version = _LINUX_CAPABILITY_VERSION_2;
    syscall(SYS_capget, &hdr, data);
    hdr.version = 0x12345;
    syscall(SYS_capget, &hdr, data);
    hdr.version = 0x12345;
    syscall(SYS_capset, &hdr, odd);
    hdr.version = 0x12345;
    syscall(SYS_capget, &hdr, NULL);
    syscall(SYS_capget, NULL, data);
    syscall(SYS_capget, BAD, BAD);
}

static void process_control(void)
{
    char name[16];
    int v = 0;
    prctl(PR_SET_NAME, "task-fixture", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    prctl(PR_SET_NAME, "exactly15-chars");
    prctl(PR_SET_NAME, "a-name-longer-than-thirty-two-characters");
    prctl(PR_GET_NAME, name);
    prctl(PR_SET_NAME, NULL);
    prctl(PR_SET_NAME, BAD);
    prctl(PR_GET_NAME, BAD, 0, 0, 0);
    prctl(PR_GET_PDEATHSIG, &v);
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, 100);
    prctl(PR_GET_PDEATHSIG, BAD);
    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 5);
    prctl(PR_SET_DUMPABLE, 0x100000002ul);
    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 2, 3, 4);
    prctl(PR_GET_NO_NEW_PRIVS, 1, 2, 3, 4);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 0x100);
    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0);
    prctl(PR_CAPBSET_READ, CAP_CHECKPOINT_RESTORE);
    prctl(PR_CAPBSET_READ, 1000, 0, 0, 0);
    prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN + 1000);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    prctl(PR_SET_KEEPCAPS, 2);
    prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
    prctl(PR_GET_TIMERSLACK, 1, 2);
    prctl(PR_SET_TIMERSLACK, prctl(PR_GET_TIMERSLACK), 3);
    prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, BAD);
    prctl(PR_SET_SECCOMP, 11, 1, 2, 3);
    prctl(PR_GET_SECUREBITS);
    prctl(PR_GET_TID_ADDRESS, &attr_buf[0]);
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
    prctl(PR_SET_PTRACER, 0);
    prctl(PR_SET_PTRACER, -5);
    prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
    prctl(PR_SET_THP_DISABLE, 1, 2, 3, 4);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, 9, 0, 0, 0);
    prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0);
    prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_INDIRECT_BRANCH, 0, 0, 0);
    prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_ENABLE, 0, 0);
    prctl(PR_SET_SPECULATION_CTRL, 7, 0x40, 0, 0);
    prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0);
    prctl(PR_SET_IO_FLUSHER, 0, 0, 0, 0);
    prctl(PR_GET_ENDIAN, &v);
    prctl(PR_GET_FPEMU, &v);
    prctl(PR_MCE_KILL_GET, 0, 0, 0, 0);
    prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0);
    prctl(PR_GET_TSC, &v);
    prctl(PR_SET_TSC, PR_TSC_ENABLE);
    prctl(PR_GET_UNALIGN, &v);
    prctl(PR_GET_FP_MODE);
    prctl(PR_GET_TIMING, 0);
    prctl(PR_TASK_PERF_EVENTS_DISABLE);
    prctl(PR_TASK_PERF_EVENTS_ENABLE);
    prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x1000, 0, 0);
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, page, 4096, "fixture");
    munmap(page, 4096);
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, NULL);
    prctl(PR_SET_VMA, 7, 0x1000, 4096, 0);
    prctl(0x12345678, 1, 2, 3, 4);
}

static void process_control_child(void)
{
    prctl(PR_SET_SECUREBITS, 0x2f);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
    syscall(SYS_exit, 0); /* the one way out strict mode allows */
}

static void scheduling(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    int first = 0;
    while (!CPU_ISSET(first, &set))
        first++;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    sched_setaffinity(0, sizeof set, &set);
    sched_getaffinity(0, sizeof set, &set);
    syscall(SYS_sched_getaffinity, 0, 8, &set);
    syscall(SYS_sched_getaffinity, 0, 9, &set);
    syscall(SYS_sched_getaffinity, 0, 8, NULL);
    sched_setaffinity(0, 0, &set);
    cpu_set_t odd;
    CPU_ZERO(&odd);
    CPU_SET(0, &odd);
    CPU_SET(5, &odd);
    CPU_SET(100, &odd);
    CPU_SET(1023, &odd);
    syscall(SYS_sched_setaffinity, NOPID, sizeof odd, &odd);
    syscall(SYS_sched_setaffinity, NOPID, 3, &odd);
    syscall(SYS_sched_setaffinity, NOPID, 8, BAD);
    syscall(SYS_sched_setaffinity, NOPID, 8, NULL);
    unsigned cpu, node;
    syscall(SYS_getcpu, &cpu, &node, NULL);
    syscall(SYS_getcpu, NULL, &node, (void *)0x1234);
    syscall(SYS_getcpu, NULL, NULL, NULL);
    syscall(SYS_getcpu, &cpu, BAD, BAD);

    struct sched_param sp = {0}, five = {5};
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_getscheduler, NOPID);
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp);
    syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp);
    syscall(SYS_sched_setscheduler, NOPID, SCHED_RR, &five);
    syscall(SYS_sched_setscheduler, NOPID, SCHED_DEADLINE, BAD);
    syscall(SYS_sched_setscheduler, NOPID, SCHED_IDLE, NULL);
    syscall(SYS_sched_setscheduler, 0, 77, &sp);
    syscall(SYS_sched_setscheduler, 0, -1, NULL);
    syscall(SYS_sched_getparam, 0, &sp);
    syscall(SYS_sched_setparam, 0, &sp);
    syscall(SYS_sched_setparam, NOPID, &five);
    syscall(SYS_sched_setparam, NOPID, BAD);
    syscall(SYS_sched_getparam, 0, NULL);
    syscall(SYS_sched_getparam, 0, BAD);
    syscall(SYS_sched_get_priority_max, SCHED_FIFO);
    syscall(SYS_sched_get_priority_min, SCHED_RR);
    syscall(SYS_sched_get_priority_min, SCHED_DEADLINE);
    syscall(SYS_sched_get_priority_max, SCHED_ISO);
    syscall(SYS_sched_get_priority_max, 99);
    syscall(SYS_sched_get_priority_min, SCHED_RESET_ON_FORK);
    struct timespec ts;
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    syscall(SYS_sched_rr_get_interval, NOPID, &ts);
    syscall(SYS_sched_rr_get_interval, 0, NULL);

    struct sched_attr_v1 *attr = (struct sched_attr_v1 *)attr_buf;
    syscall(SYS_sched_getattr, 0, attr, sizeof *attr, 0);
    syscall(SYS_sched_setattr, 0, attr, 0);
    syscall(SYS_sched_getattr, 0, attr, 48, 0);
    syscall(SYS_sched_getattr, 0, attr, sizeof attr_buf, 0);
    syscall(SYS_sched_getattr, 0, attr, 8, 0);
    syscall(SYS_sched_getattr, 0, NULL, sizeof *attr, 0);
    syscall(SYS_sched_getattr, NOPID, attr, sizeof *attr, 0);
    syscall(SYS_sched_getattr, 0, attr, sizeof *attr, 1);
    attr->sched_policy = SCHED_IDLE + 100;
    attr->sched_flags = 0x1000;
    syscall(SYS_sched_setattr, 0, attr, 0);
    attr->size = 0;
    attr->sched_policy = SCHED_BATCH;
    attr->sched_flags = 0x1 | 0x18 | 0x60 | 0x1000;
    attr->sched_nice = -5;
    syscall(SYS_sched_setattr, 0, attr, 0);
    attr->size = 64;
    syscall(SYS_sched_setattr, NOPID, attr, 0);
    ((char *)attr)[60] = 1; /* a non-zero byte past what the kernel knows: E2BIG */
    syscall(SYS_sched_setattr, NOPID, attr, 0);
    ((char *)attr)[60] = 0;
    attr->size = 56;
    attr->sched_policy = SCHED_DEADLINE;
    attr->sched_flags = 0;
    attr->sched_runtime = 1000000;
    attr->sched_deadline = 2000000;
    attr->sched_period = 3000000;
    syscall(SYS_sched_setattr, NOPID, attr, 5);
    attr->sched_flags = 0x8;
    syscall(SYS_sched_setattr, NOPID, attr, 0);
    attr->sched_flags = 0x10;
    syscall(SYS_sched_setattr, NOPID, attr, 0);
    attr->size = 52;
    syscall(SYS_sched_setattr, NOPID, attr, 0);
    attr->size = 4;
    syscall(SYS_sched_setattr, 0, attr, 0);
    syscall(SYS_sched_setattr, 0, BAD, 1);
}

static void scheduling_child(void)
{
    struct sched_param sp = {0};
    syscall(SYS_sched_setscheduler, 0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp);
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp);
    syscall(SYS_sched_getscheduler, 0);
}

static void limits(void)
{
    struct rusage ru;
    syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru);
    syscall(SYS_getrusage, 42, &ru);
    syscall(SYS_getrusage, -5, NULL);
    syscall(SYS_getrusage, RUSAGE_SELF, NULL);
    syscall(SYS_getrusage, RUSAGE_THREAD, BAD);

    struct rlimit rl;
    syscall(SYS_getrlimit, RLIMIT_CORE, &rl);
    syscall(SYS_setrlimit, RLIMIT_CORE, &rl);
    syscall(SYS_getrlimit, RLIMIT_STACK, &rl);
    syscall(SYS_getrlimit, 99, &rl);
    syscall(SYS_getrlimit, -5, NULL);
    syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL);
    syscall(SYS_setrlimit, RLIMIT_NOFILE, BAD);
    struct rlimit r64;
    syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, NULL, &r64);
    syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &r64, NULL);
    syscall(SYS_prlimit64, 0, 77, NULL, &r64);
    syscall(SYS_prlimit64, NOPID, RLIMIT_NPROC, NULL, &r64);

    syscall(SYS_getpriority, PRIO_PROCESS, 0);
    syscall(SYS_setpriority, PRIO_PROCESS, 0, 20 - syscall(SYS_getpriority, PRIO_PROCESS, 0));
    syscall(SYS_getpriority, 9, 0);
    syscall(SYS_getpriority, -5, 0);
    syscall(SYS_getpriority, PRIO_USER, -1);
    syscall(SYS_setpriority, PRIO_PGRP, NOPID, 0);

    int persona = syscall(SYS_personality, 0xffffffff);
    syscall(SYS_personality, PER_LINUX32);
    syscall(SYS_personality, PER_SVR4);
    syscall(SYS_personality, 0x42 | ADDR_NO_RANDOMIZE);
    syscall(SYS_personality, PER_BSD | UNAME26 | 0x80000000u);
    syscall(SYS_personality, 0xfffffffe);
    syscall(SYS_personality, 0x100000000ul | PER_HPUX);
    syscall(SYS_personality, persona);
    syscall(SYS_personality, 0xffffffff);

    syscall(SYS_times, BAD);
}

static void namespaces(void)
{
    syscall(SYS_unshare, 0x1);
    syscall(SYS_unshare, CLONE_NEWUTS | 0x1);
    syscall(SYS_unshare, 0);
    syscall(SYS_setns, -1, CLONE_NEWNET);
    int uts = open("/proc/self/ns/uts", O_RDONLY);
    syscall(SYS_setns, uts, CLONE_NEWUTS);
    syscall(SYS_setns, uts, 0);
    syscall(SYS_setns, uts, CLONE_NEWPID);
    syscall(SYS_setns, uts, 0x1);
    syscall(SYS_setns, uts, CLONE_NEWNET | CLONE_NEWUTS);
    syscall(SYS_setns, uts, CLONE_NEWUSER | 0x1);
    close(uts);
}

static void tracing(void)
{
    long word;
    struct iovec iov = {&word, sizeof word};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    uint64_t mask = 0;
    struct ptrace_peeksiginfo_args peek = {0, 0x10, 4};
    syscall(SYS_ptrace, PTRACE_PEEKTEXT, NOPID, 0x1000, &word);
    syscall(SYS_ptrace, PTRACE_PEEKDATA, NOPID, 0x1000, &word);
    syscall(SYS_ptrace, PTRACE_PEEKUSR, NOPID, 8 * 10, &word);
    syscall(SYS_ptrace, PTRACE_PEEKUSR, NOPID, 852, &word);
    syscall(SYS_ptrace, PTRACE_PEEKUSR, NOPID, 216, &word);
    syscall(SYS_ptrace, PTRACE_POKEDATA, NOPID, 0x1000, 0x42);
    syscall(SYS_ptrace, PTRACE_POKEUSR, NOPID, 120, 0x42);
    syscall(SYS_ptrace, PTRACE_GETREGS, NOPID, 0, &word);
    syscall(SYS_ptrace, PTRACE_GETFPREGS, NOPID, 0, &word);
    syscall(SYS_ptrace, PTRACE_GETREGSET, NOPID, NT_PRSTATUS, &iov);
    syscall(SYS_ptrace, PTRACE_GETREGSET, NOPID, 0x999, BAD);
    syscall(SYS_ptrace, PTRACE_GETSIGINFO, NOPID, 0, &si);
    syscall(SYS_ptrace, PTRACE_SETSIGINFO, NOPID, 0, &si);
    syscall(SYS_ptrace, PTRACE_CONT, NOPID, 0, SIGUSR1);
    syscall(SYS_ptrace, PTRACE_CONT, NOPID, 5, 0);
    syscall(SYS_ptrace, PTRACE_SYSCALL, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_SINGLESTEP, NOPID, 1, SIGSTOP);
    syscall(SYS_ptrace, PTRACE_SYSEMU, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_DETACH, NOPID, 0, 100);
    syscall(SYS_ptrace, PTRACE_ATTACH, NOPID, 5, 6);
    syscall(SYS_ptrace, PTRACE_KILL, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_INTERRUPT, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_LISTEN, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_SEIZE, NOPID, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC);
    syscall(SYS_ptrace, PTRACE_SEIZE, NOPID, 0, 0x80000000u);
    syscall(SYS_ptrace, PTRACE_SETOPTIONS, NOPID, 0, PTRACE_O_EXITKILL);
    syscall(SYS_ptrace, PTRACE_SETOPTIONS, NOPID, 0, 0x7fffffff);
    syscall(SYS_ptrace, PTRACE_SETOPTIONS, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_GETEVENTMSG, NOPID, 0, &word);
    syscall(SYS_ptrace, PTRACE_GET_SYSCALL_INFO, NOPID, 88, &word);
    syscall(SYS_ptrace, PTRACE_GETSIGMASK, NOPID, 8, &mask);
    syscall(SYS_ptrace, PTRACE_SETSIGMASK, NOPID, 8, &mask);
    syscall(SYS_ptrace, PTRACE_PEEKSIGINFO, NOPID, &peek, &si);
    syscall(SYS_ptrace, PTRACE_SECCOMP_GET_FILTER, NOPID, 0, &word);
    syscall(SYS_ptrace, PTRACE_ARCH_PRCTL, NOPID, &word, 0x1003);
    syscall(SYS_ptrace, PTRACE_GET_THREAD_AREA, NOPID, 0, &word);
    syscall(SYS_ptrace, 0x4242, NOPID, 0, 0);

    char *argv[] = {"true", NULL};
    char *envp[] = {"A=1", NULL};
    syscall(SYS_execveat, AT_FDCWD, "/nonexistent/true", argv, envp, 0);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    syscall(SYS_execveat, dir, "", argv, envp, AT_EMPTY_PATH);
    syscall(SYS_execveat, dir, "x", argv, NULL, 0x8000);
    close(dir);
}

static pid_t child(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    return pid;
}

static void in_child(void)
{
    syscall(SYS_ptrace, PTRACE_TRACEME, 1, 2, 3);
    syscall(SYS_unshare, CLONE_NEWUTS | CLONE_NEWIPC);
    syscall(SYS_unshare, CLONE_NEWTIME | CLONE_FS | CLONE_NEWNS | CLONE_FILES | CLONE_SYSVSEM);
    syscall(SYS_setsid);
    syscall(SYS_getsid, 0);
    scheduling_child();
    identity_child();
}

static void children(void)
{
    int block[2], status;
    siginfo_t si;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pipe(block);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(block[1]);
        read(block[0], &c, 1); /* until the parent has polled with WNOHANG */
        in_child();
        _exit(3);
    }
    close(block[0]);
    syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, &ru);
    syscall(SYS_wait4, pid, &status, WNOHANG, &ru);
    close(block[1]);
    syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL);

    pid = fork();
    if (pid == 0) {
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    syscall(SYS_wait4, pid, &status, 0, NULL);

    pipe(block);
    pid = fork();
    if (pid == 0) {
        char c;
        close(block[1]);
        raise(SIGSTOP);
        read(block[0], &c, 1); /* exits only once the parent saw it continued */
        _exit(0);
    }
    close(block[0]);
    syscall(SYS_waitid, P_PID, pid, &si, WSTOPPED | WNOWAIT, NULL);
    syscall(SYS_wait4, pid, &status, WUNTRACED, NULL);
    kill(pid, SIGCONT);
    syscall(SYS_waitid, P_PID, pid, &si, WCONTINUED | WNOWAIT, NULL);
    syscall(SYS_wait4, pid, &status, WCONTINUED, NULL);
    close(block[1]);
    syscall(SYS_wait4, pid, &status, 0, NULL);

    pid = child(process_control_child);
    syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOWAIT, NULL);
    syscall(SYS_wait4, -1, &status, __WALL, NULL);

    syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, &ru);
    syscall(SYS_waitid, P_PGID, 0, &si, WEXITED | WSTOPPED | WCONTINUED, NULL);
    syscall(SYS_waitid, P_PIDFD, -1, BAD, WEXITED | 0x100, BAD);
    syscall(SYS_waitid, 42, 0, &si, WEXITED, NULL);
    syscall(SYS_waitid, -1, 0, NULL, 0, NULL);
    syscall(SYS_waitid, P_PID, 1, &si, 0x100, NULL);
    syscall(SYS_wait4, -1, &status, 0, &ru);
    syscall(SYS_wait4, -1, BAD, WNOHANG | 0x100, NULL);
    syscall(SYS_wait4, -1, BAD, 0x100, NULL);
    syscall(SYS_wait4, -1, &status, WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | __WALL, NULL);
}

int main(void)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    limits();
    identity();
    capabilities();
    process_control();
    scheduling();
    namespaces();
    tracing();
    syscall(SYS_getpgrp);
    syscall(SYS_getpgid, 0);
    syscall(SYS_setpgid, 0, 0);
    syscall(SYS_getsid, 0);
    syscall(SYS_getpgid, NOPID);
    syscall(SYS_setpgid, NOPID, 0);
    children();
    return 0;
}
