"""Event-waiting constant tables (values from sys/epoll.h, sys/eventfd.h, sys/timerfd.h,
sys/signalfd.h, linux/inotify.h); entries in the order strace prints flags."""

from __future__ import annotations

from . import Xlat

EPOLL_CREATE_FLAGS = Xlat.of((0o2000000, "EPOLL_CLOEXEC"),)
EPOLL_CTL_OPS = Xlat.of((1, "EPOLL_CTL_ADD"), (2, "EPOLL_CTL_DEL"), (3, "EPOLL_CTL_MOD"))
EPOLL_EVENTS = Xlat.of(
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
)
EVENTFD_FLAGS = Xlat.of((0o1, "EFD_SEMAPHORE"), (0o2000000, "EFD_CLOEXEC"), (0o4000, "EFD_NONBLOCK"))
# timerfd_create and timerfd_settime share one table, as strace prints them
TIMERFD_FLAGS = Xlat.of(
    (1 << 0, "TFD_TIMER_ABSTIME"),
    (1 << 1, "TFD_TIMER_CANCEL_ON_SET"),
    (0o2000000, "TFD_CLOEXEC"),
    (0o4000, "TFD_NONBLOCK"),
)
SIGNALFD_FLAGS = Xlat.of((0o2000000, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK"))
INOTIFY_INIT_FLAGS = Xlat.of((0o4000, "IN_NONBLOCK"), (0o2000000, "IN_CLOEXEC"))
INOTIFY_MASK = Xlat.of(
    (0x00000001, "IN_ACCESS"),
    (0x00000002, "IN_MODIFY"),
    (0x00000004, "IN_ATTRIB"),
    (0x00000008, "IN_CLOSE_WRITE"),
    (0x00000010, "IN_CLOSE_NOWRITE"),
    (0x00000020, "IN_OPEN"),
    (0x00000040, "IN_MOVED_FROM"),
    (0x00000080, "IN_MOVED_TO"),
    (0x00000100, "IN_CREATE"),
    (0x00000200, "IN_DELETE"),
    (0x00000400, "IN_DELETE_SELF"),
    (0x00000800, "IN_MOVE_SELF"),
    (0x00002000, "IN_UNMOUNT"),
    (0x00004000, "IN_Q_OVERFLOW"),
    (0x00008000, "IN_IGNORED"),
    (0x01000000, "IN_ONLYDIR"),
    (0x02000000, "IN_DONT_FOLLOW"),
    (0x04000000, "IN_EXCL_UNLINK"),
    (0x10000000, "IN_MASK_CREATE"),
    (0x20000000, "IN_MASK_ADD"),
    (0x40000000, "IN_ISDIR"),
    (0x80000000, "IN_ONESHOT"),
)
