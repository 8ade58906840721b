"""Socket and poll constant tables (values from bits/socket.h, linux/in.h, asm-generic/poll.h)."""

from __future__ import annotations

from . import Xlat

POLL_EVENTS = Xlat.of(
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x2000, "POLLRDHUP"),
)
FAMILIES = Xlat.of(
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (10, "AF_INET6"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
)
SOCK_TYPES = Xlat.of(
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
)
SOCK_FLAGS = Xlat.of((0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK"))
IP_PROTOCOLS = Xlat.of(
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (58, "IPPROTO_ICMPV6"),
    (255, "IPPROTO_RAW"),
)
SHUTDOWN_HOW = Xlat.of((0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR"))
