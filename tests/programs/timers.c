/* Clocks and timers, with raw syscall() since libc reads most clocks through the vDSO:
 * clock_gettime/clock_getres on every clock id, per-process and per-thread CPU clocks and a
 * bad one; clock_nanosleep (relative, TIMER_ABSTIME in the past, bad flags and clocks);
 * nanosleep (a few microseconds, invalid); gettimeofday (timezone only: the harness does not
 * normalize tv_usec); settimeofday and clock_settime that fail (never changing the clock);
 * setitimer/getitimer on disarmed ITIMER_* timers (a running one shows a varying tv_usec);
 * alarm; times (on a bad pointer: its result is ticks since boot); timer_create (SIGEV_*
 * kinds), timer_settime (relative, absolute, old value), timer_gettime, timer_getoverrun,
 * timer_delete; clock_adjtime (a bad clock and a bad pointer: a real read varies per run). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)8) /* never mapped: the kernel faults on it */
#define CPUCLOCK(pid, kind) ((~(clockid_t)(pid)) << 3 | (kind))

int main(void)
{
    pid_t pid = syscall(SYS_getpid);
    pid_t tid = syscall(SYS_gettid);
    struct timespec ts;

    /* clock_gettime / clock_getres */
    for (clockid_t id = 0; id <= 12; id++) {
        syscall(SYS_clock_gettime, id, &ts);
        syscall(SYS_clock_getres, id, &ts);
    }
    syscall(SYS_clock_gettime, CPUCLOCK(pid, 0), &ts);
    syscall(SYS_clock_gettime, CPUCLOCK(pid, 1), &ts);
    syscall(SYS_clock_gettime, CPUCLOCK(pid, 2), &ts);
    syscall(SYS_clock_gettime, CPUCLOCK(tid, 4 | 2), &ts);
    syscall(SYS_clock_getres, CPUCLOCK(tid, 4 | 1), &ts);
    syscall(SYS_clock_gettime, CPUCLOCK(0, 2), &ts);
    syscall(SYS_clock_gettime, CPUCLOCK(3, 3), &ts); /* an fd clock on a non-clock fd */
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD);
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL);
    syscall(SYS_clock_gettime, 99, &ts);

    /* sleeps that end at once */
    struct timespec tiny = {0, 1000}, past = {1, 0}, bad = {0, 2000000000};
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &tiny, &ts);
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
    syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0x2, &tiny, NULL);
    syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, TIMER_ABSTIME | 0x2, &past, NULL);
    syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &tiny, NULL);
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, &ts);
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD, NULL);
    syscall(SYS_nanosleep, &tiny, &ts);
    syscall(SYS_nanosleep, &tiny, NULL);
    syscall(SYS_nanosleep, &bad, NULL);
    syscall(SYS_nanosleep, NULL, NULL);

    /* gettimeofday / settimeofday: timezone only, and settings the kernel refuses */
    struct timezone tz;
    struct timeval tv_bad = {0, 1000000};
    struct timezone tz_bad = {100000, 0};
    syscall(SYS_gettimeofday, NULL, &tz);
    syscall(SYS_gettimeofday, NULL, NULL);
    syscall(SYS_gettimeofday, BAD, NULL);
    syscall(SYS_settimeofday, &tv_bad, NULL);
    syscall(SYS_settimeofday, NULL, &tz_bad);
    syscall(SYS_settimeofday, BAD, NULL);
    syscall(SYS_clock_settime, CLOCK_REALTIME, &bad);
    syscall(SYS_clock_settime, CLOCK_MONOTONIC, &past);

    /* interval timers, all disarmed when read */
    struct itimerval it, off = {{0, 0}, {0, 0}}, arm = {{0, 500000}, {100, 250000}};
    syscall(SYS_getitimer, ITIMER_REAL, &it);
    syscall(SYS_getitimer, ITIMER_VIRTUAL, &it);
    syscall(SYS_getitimer, ITIMER_PROF, &it);
    syscall(SYS_getitimer, 5, &it);
    syscall(SYS_getitimer, ITIMER_REAL, BAD);
    syscall(SYS_setitimer, ITIMER_PROF, &off, &it);
    syscall(SYS_setitimer, ITIMER_VIRTUAL, &arm, NULL);
    syscall(SYS_setitimer, ITIMER_VIRTUAL, &off, NULL);
    syscall(SYS_setitimer, ITIMER_VIRTUAL, NULL, &it);
    syscall(SYS_setitimer, ITIMER_REAL, BAD, NULL);
    syscall(SYS_setitimer, 7, &off, NULL);
    arm.it_value.tv_usec = 2000000;
    syscall(SYS_setitimer, ITIMER_REAL, &arm, NULL);

    /* alarm: set, then cleared well within half a second */
    syscall(SYS_alarm, 0);
    syscall(SYS_alarm, 100);
    syscall(SYS_alarm, 0);

    /* times: only its failure prints the same on every run */
    syscall(SYS_times, BAD);

    /* POSIX timers */
    timer_t t1, t2, t3, t4;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 7;
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t1);
    sev.sigev_notify = SIGEV_NONE;
    sev.sigev_value.sival_ptr = NULL;
    syscall(SYS_timer_create, CLOCK_REALTIME, &sev, &t2);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN;
    sev._sigev_un._tid = tid;
    syscall(SYS_timer_create, CLOCK_BOOTTIME, &sev, &t3);
    syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, NULL, &t4);
    sev.sigev_notify = 9;
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t4);
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_value.sival_ptr = (void *)0x1234;
    sev._sigev_un._sigev_thread._attribute = NULL;
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t4);
    syscall(SYS_timer_create, 77, NULL, &t4);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, BAD, &t4);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, BAD);

    struct itimerspec its = {{0, 0}, {100, 0}}, old, abs_its = {{1, 500}, {4000000000LL, 0}};
    syscall(SYS_timer_settime, t1, 0, &its, &old);
    syscall(SYS_timer_settime, t2, TIMER_ABSTIME, &abs_its, NULL);
    syscall(SYS_timer_gettime, t1, &old);
    syscall(SYS_timer_gettime, t3, &old);
    syscall(SYS_timer_settime, t1, 0x4, &its, NULL);
    syscall(SYS_timer_settime, t1, 0, BAD, NULL);
    syscall(SYS_timer_gettime, t1, BAD);
    syscall(SYS_timer_gettime, (timer_t)99, &old);
    syscall(SYS_timer_getoverrun, t1);
    syscall(SYS_timer_getoverrun, (timer_t)99);
    syscall(SYS_timer_delete, t1);
    syscall(SYS_timer_delete, t2);
    syscall(SYS_timer_delete, t3);
    syscall(SYS_timer_delete, t4);
    syscall(SYS_timer_delete, (timer_t)99);

    /* clock_adjtime: failures only (the values a read returns drift between runs) */
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    syscall(SYS_clock_adjtime, 99, &tx);
    syscall(SYS_clock_adjtime, CLOCK_REALTIME, BAD);
    syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL);
    return 0;
}
