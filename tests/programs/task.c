/* Process control and identity, each call in the cases strace decodes differently:
 * getrusage (RUSAGE_CHILDREN before any child exists, so every field is 0; bad who; NULL),
 * the uid/gid family set to the values already held (getuid..., setuid, setreuid, setresuid,
 * setfsuid, getgroups, setgroups) and failing with EINVAL, capget/capset (v3 header, the
 * current sets written back; an unknown version), prctl (names, pdeathsig, dumpable,
 * no_new_privs, subreaper, capbset, keepcaps, timerslack, seccomp, PR_SET_VMA, unknown),
 * sched_* (affinity pinned to the first allowed CPU so getcpu is stable, SCHED_* policies,
 * sched_param, sched_attr, priorities, rr interval), limits (getrlimit, setrlimit, prlimit64),
 * personality (query, set to the current value), getpriority/setpriority, unshare/setns
 * (in a child or failing), ptrace (PTRACE_TRACEME fails: the child is traced already; bogus
 * pids fail with ESRCH), execveat failing (missing path, AT_EMPTY_PATH on a directory),
 * times on a bad pointer (the tick count it returns cannot be compared), process groups
 * and sessions, and children reaped by wait4 and waitid: exited, killed, not yet exited
 * (WNOHANG), none left (ECHILD). SIGCHLD is blocked so its arrival cannot race the trace. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
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
    syscall(SYS_getgroups, 1, BAD);
    syscall(SYS_setgroups, -1, groups);
    syscall(SYS_setgroups, 2, BAD);
    gid_t three[3] = {0, 1, 2};
    syscall(SYS_getgroups, 0, three);
}

static void capabilities(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    syscall(SYS_capget, &hdr, data);
    syscall(SYS_capset, &hdr, data);
    syscall(SYS_capget, &hdr, NULL);
    hdr.version = 0x12345;
    syscall(SYS_capget, &hdr, data);
    hdr.version = _LINUX_CAPABILITY_VERSION_1;
    syscall(SYS_capget, &hdr, data);
    syscall(SYS_capget, NULL, data);
    syscall(SYS_capget, BAD, data);
}

static void process_control(void)
{
    char name[16];
    prctl(PR_SET_NAME, "task-fixture", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    int sig;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0);
    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0);
    prctl(PR_CAPBSET_READ, 1000, 0, 0, 0);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
    prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    prctl(PR_SET_SECCOMP, 2, NULL, 0, 0);
    prctl(PR_SET_SECCOMP, 7, 0, 0, 0);
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, page, 4096, "fixture");
    munmap(page, 4096);
    prctl(0x12345678, 1, 2, 3, 4);
    prctl(PR_GET_NAME, BAD, 0, 0, 0);
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
    sched_setaffinity(0, 0, &set);
    sched_getaffinity(0, 4, BAD);
    unsigned cpu, node;
    syscall(SYS_getcpu, &cpu, &node, NULL);
    syscall(SYS_getcpu, NULL, NULL, NULL);
    syscall(SYS_getcpu, BAD, NULL, NULL);

    struct sched_param sp = {0};
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp);
    syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp);
    syscall(SYS_sched_setscheduler, 0, 77, &sp);
    syscall(SYS_sched_setscheduler, 0, SCHED_BATCH | SCHED_RESET_ON_FORK, NULL);
    syscall(SYS_sched_getparam, 0, &sp);
    syscall(SYS_sched_setparam, 0, &sp);
    syscall(SYS_sched_getparam, 0, NULL);
    syscall(SYS_sched_get_priority_max, SCHED_FIFO);
    syscall(SYS_sched_get_priority_min, SCHED_RR);
    syscall(SYS_sched_get_priority_max, 99);
    struct timespec ts;
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    syscall(SYS_sched_rr_get_interval, NOPID, &ts);

    struct sched_attr_v1 attr;
    memset(&attr, 0, sizeof attr);
    syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0);
    syscall(SYS_sched_setattr, 0, &attr, 0);
    syscall(SYS_sched_getattr, 0, &attr, 8, 0);
    syscall(SYS_sched_getattr, 0, NULL, sizeof attr, 0);
    attr.sched_policy = SCHED_IDLE + 100;
    attr.sched_flags = 0x1000;
    syscall(SYS_sched_setattr, 0, &attr, 0);
    syscall(SYS_sched_setattr, 0, BAD, 1);
}

static void limits(void)
{
    struct rusage ru;
    syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru);
    syscall(SYS_getrusage, 42, &ru);
    syscall(SYS_getrusage, RUSAGE_SELF, NULL);
    syscall(SYS_getrusage, RUSAGE_THREAD, BAD);

    struct rlimit rl;
    syscall(SYS_getrlimit, RLIMIT_CORE, &rl);
    syscall(SYS_setrlimit, RLIMIT_CORE, &rl);
    syscall(SYS_getrlimit, RLIMIT_STACK, &rl);
    syscall(SYS_getrlimit, 99, &rl);
    syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL);
    struct rlimit64 r64;
    syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, NULL, &r64);
    syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &r64, NULL);
    syscall(SYS_prlimit64, 0, 77, NULL, &r64);

    syscall(SYS_getpriority, PRIO_PROCESS, 0);
    syscall(SYS_setpriority, PRIO_PROCESS, 0, 0);
    syscall(SYS_getpriority, 9, 0);

    int persona = syscall(SYS_personality, 0xffffffff);
    syscall(SYS_personality, persona);
    syscall(SYS_personality, 0xffffffff);

    syscall(SYS_times, BAD);
}

static void namespaces_and_ptrace(void)
{
    syscall(SYS_unshare, 0x1);
    syscall(SYS_setns, -1, CLONE_NEWNET);
    int uts = open("/proc/self/ns/uts", O_RDONLY);
    syscall(SYS_setns, uts, CLONE_NEWUTS);
    syscall(SYS_setns, uts, 0);
    syscall(SYS_setns, uts, CLONE_NEWPID);
    close(uts);

    long word;
    syscall(SYS_ptrace, PTRACE_PEEKDATA, NOPID, 0x1000, &word);
    syscall(SYS_ptrace, PTRACE_GETREGS, NOPID, 0, &word);
    syscall(SYS_ptrace, PTRACE_CONT, NOPID, 0, SIGUSR1);
    syscall(SYS_ptrace, PTRACE_ATTACH, NOPID, 0, 0);
    syscall(SYS_ptrace, PTRACE_SEIZE, NOPID, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC);
    syscall(SYS_ptrace, PTRACE_SETOPTIONS, NOPID, 0, PTRACE_O_EXITKILL);
    syscall(SYS_ptrace, 0x4242, NOPID, 0, 0);

    char *argv[] = {"true", NULL};
    char *envp[] = {NULL};
    syscall(SYS_execveat, AT_FDCWD, "/nonexistent/true", argv, envp, 0);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    syscall(SYS_execveat, dir, "", argv, envp, AT_EMPTY_PATH);
    syscall(SYS_execveat, dir, "x", argv, envp, 0x8000);
    close(dir);
}

static void children(void)
{
    int block[2];
    pipe(block);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
        syscall(SYS_unshare, CLONE_NEWUTS | CLONE_NEWIPC);
        syscall(SYS_setsid);
        syscall(SYS_getsid, 0);
        syscall(SYS_setuid, 65534);
        syscall(SYS_setuid, 0);
        close(block[1]);
        read(block[0], &c, 1);
        _exit(3);
    }
    close(block[0]);
    siginfo_t si;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    int status;
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

    pid = fork();
    if (pid == 0)
        _exit(0);
    syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOWAIT, NULL);
    syscall(SYS_wait4, -1, &status, __WALL, NULL);

    syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, &ru);
    syscall(SYS_waitid, P_PGID, 0, &si, WEXITED | WSTOPPED | WCONTINUED, NULL);
    syscall(SYS_waitid, 42, 0, &si, WEXITED, NULL);
    syscall(SYS_waitid, P_PID, 1, &si, 0x100, NULL);
    syscall(SYS_wait4, -1, &status, 0, &ru);
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
    namespaces_and_ptrace();
    syscall(SYS_getpgrp);
    syscall(SYS_getpgid, 0);
    syscall(SYS_setpgid, 0, 0);
    syscall(SYS_getsid, 0);
    syscall(SYS_getpgid, NOPID);
    children();
    return 0;
}
