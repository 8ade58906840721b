/* An event loop as services write one: an epoll set watching a timerfd and an eventfd.
 * The timer is armed one-shot for 1 ms three times; each epoll_wait returns the timer's
 * descriptor, and read() takes its expiration count (always 1 for a one-shot timer). Then
 * the eventfd is written and the loop sees it, and everything is torn down. */
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    int efd = eventfd(0, EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = tfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    ev.data.fd = efd;
    ev.events = EPOLLIN | EPOLLET;
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = 1000000}};
    struct epoll_event got[4];
    uint64_t count;
    for (int i = 0; i < 3; i++) {
        timerfd_settime(tfd, 0, &its, NULL);
        epoll_wait(ep, got, 4, 1000);
        read(tfd, &count, sizeof count);
    }
    count = 7;
    write(efd, &count, sizeof count);
    epoll_wait(ep, got, 4, 1000);
    read(efd, &count, sizeof count);
    epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
    close(tfd);
    close(efd);
    close(ep);
    return 0;
}
