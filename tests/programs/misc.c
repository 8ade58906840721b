/* Time, identity, limits and signal-state calls, each decoded as strace prints it:
 * clock_gettime/clock_getres/gettimeofday/nanosleep (0 s), uname, sysinfo, getrlimit/
 * setrlimit/prlimit64, getpriority, getpgid/getsid/getresuid/getresgid, umask,
 * sched_getaffinity, sigaltstack, rt_sigpending, rt_sigprocmask, sigqueue to itself
 * (SI_QUEUE, blocked then pending), kill(0 signal), and a failing wait4 (ECHILD). */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); /* past the vDSO */
    clock_getres(CLOCK_REALTIME, &ts);
    struct timespec zero = {0, 0};
    nanosleep(&zero, NULL);
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    setrlimit(RLIMIT_NOFILE, &rl);
    prlimit(0, RLIMIT_CORE, NULL, &rl);
    getpriority(PRIO_PROCESS, 0);
    getpgid(0);
    getsid(0);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    umask(022);
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);

    stack_t ss = {.ss_sp = malloc(SIGSTKSZ), .ss_size = SIGSTKSZ};
    sigaltstack(&ss, NULL);
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    union sigval v = {.sival_int = 7};
    sigqueue(getpid(), SIGUSR2, v);
    sigpending(&pending);
    signal(SIGUSR2, SIG_IGN);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    kill(getpid(), 0);
    int st;
    wait4(-1, &st, WNOHANG, NULL);
    return 0;
}
