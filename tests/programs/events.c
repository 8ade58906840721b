/* Event-waiting calls, each with timeout 0 so nothing really waits:
 * ppoll (ready, timed out, with a signal mask), select and pselect6 (ready sets, an
 * empty result, a NULL timeout never used), epoll_create1 (0 and EPOLL_CLOEXEC),
 * epoll_ctl (ADD, MOD, DEL, a failing ADD), epoll_wait and epoll_pwait (one ready event,
 * none, with a signal mask), eventfd2 (flag combinations), timerfd_create (clocks and
 * TFD_* flags), timerfd_settime (relative, TFD_TIMER_ABSTIME, returning the old value of a
 * disarmed timer, so no remaining time shows),
 * timerfd_gettime, signalfd4 (new and existing descriptor), inotify_init1,
 * inotify_add_watch (an IN_* mask; a missing path fails), inotify_rm_watch (one that
 * exists, one that does not); then raw calls with unknown flag bits, an unknown clock,
 * an unknown epoll_ctl op and NULL pointers, which fail at once. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int efd2 = eventfd(3, EFD_SEMAPHORE);
    uint64_t one = 1;
    write(efd, &one, sizeof one);

    /* ppoll: efd is readable, efd2 writable */
    struct pollfd pfd[2] = {{.fd = efd, .events = POLLIN}, {.fd = efd2, .events = POLLOUT | POLLIN}};
    struct timespec zero = {0, 0};
    ppoll(pfd, 2, &zero, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    struct pollfd none = {.fd = efd, .events = POLLPRI};
    ppoll(&none, 1, &zero, &usr1);

    /* select and pselect6 */
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(efd, &rd);
    FD_SET(efd2, &rd);
    FD_SET(efd2, &wr);
    struct timeval tv = {0, 0};
    syscall(SYS_select, efd2 + 1, &rd, &wr, NULL, &tv);
    FD_ZERO(&rd);
    tv.tv_usec = 0;
    syscall(SYS_select, 0, NULL, NULL, NULL, &tv);
    FD_ZERO(&rd);
    FD_SET(efd, &rd);
    pselect(efd + 1, &rd, NULL, NULL, &zero, &usr1);
    FD_ZERO(&rd);
    FD_SET(0, &rd);
    FD_ZERO(&wr);
    pselect(efd + 1, NULL, &wr, NULL, &zero, NULL);

    /* epoll */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int ep2 = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)efd};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    ev.events = EPOLLOUT | EPOLLET | EPOLLRDHUP;
    ev.data.u64 = 0x100000002ULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, efd2, &ev);
    ev.events = EPOLLIN | EPOLLONESHOT;
    epoll_ctl(ep, EPOLL_CTL_MOD, efd2, &ev);
    epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev);
    struct epoll_event got[8];
    epoll_wait(ep, got, 8, 0);
    epoll_wait(ep2, got, 8, 0);
    epoll_pwait(ep, got, 8, 0, &usr1);
    epoll_ctl(ep, EPOLL_CTL_DEL, efd2, NULL);
    epoll_pwait(ep, got, 8, 0, NULL);

    /* timerfd */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    int tfd2 = timerfd_create(CLOCK_REALTIME, 0);
    int tfd3 = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC);
    struct itimerspec its = {.it_interval = {0, 0}, .it_value = {100, 0}};
    struct itimerspec old;
    timerfd_settime(tfd, 0, &its, NULL);
    its.it_interval.tv_sec = 2;
    its.it_interval.tv_nsec = 500;
    timerfd_settime(tfd3, 0, &its, &old); /* tfd3 was disarmed: old is all zero */
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 0;
    timerfd_settime(tfd2, TFD_TIMER_ABSTIME, &its, NULL);
    timerfd_gettime(tfd2, &old);
    timerfd_gettime(99, &old);

    /* signalfd */
    int sfd = signalfd(-1, &usr1, SFD_CLOEXEC | SFD_NONBLOCK);
    sigaddset(&usr1, SIGUSR2);
    signalfd(sfd, &usr1, 0);

    /* inotify */
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    int in2 = inotify_init1(0);
    int wd = inotify_add_watch(in, ".", IN_MODIFY | IN_CREATE | IN_DELETE | IN_ONLYDIR);
    inotify_add_watch(in, ".", IN_ALL_EVENTS);
    inotify_add_watch(in, "/nonexistent", IN_ACCESS);
    inotify_rm_watch(in, wd);
    inotify_rm_watch(in, 12345);

    /* edge cases: unknown bits print in hex, NULL arrays as NULL; each fails at once */
    syscall(SYS_eventfd2, 0, 0xffffffffU);
    syscall(SYS_timerfd_create, 99, 0xffffffffU);
    syscall(SYS_inotify_init1, 0xffffffffU);
    syscall(SYS_epoll_create1, 0xffffffffU);
    syscall(SYS_signalfd4, -1, NULL, 8, 0xffffffffU);
    ev.events = 0;
    syscall(SYS_epoll_ctl, -1, 7, -1, &ev);
    syscall(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, -1, NULL);
    syscall(SYS_epoll_wait, -1, NULL, 1, 0);
    syscall(SYS_ppoll, NULL, 0, (void *)16, NULL, 8);
    syscall(SYS_select, -1, NULL, NULL, NULL, (void *)16);

    close(in2);
    close(tfd3);
    close(ep2);
    return 0;
}
