/* The socket decoding net.c leaves out, each call printed as strace prints it:
 * AF_INET6 TCP on [::1]:47741 (IPV6_V6ONLY, IPV6_UNICAST_HOPS, bind, getsockname,
 * connect, accept4 with SOCK_* flags and an address, getpeername), struct options
 * (SO_LINGER, SO_RCVTIMEO), IPPROTO_IP options on a UDP socket (IP_TOS, IP_TTL),
 * shutdown with each SHUT_*, AF_NETLINK sockets (NETLINK_ROUTE bound and named,
 * NETLINK_SOCK_DIAG), an abstract AF_UNIX listener and connect, and AF_PACKET. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define PORT 47741 /* fixed, and PORT + 1 too: ephemeral ports would differ between two runs */

static void ipv6_tcp(void)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
    inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    int one = 1, hops = 7, got = 0;
    socklen_t len = sizeof got;
    int srv = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(srv, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    getsockopt(srv, IPPROTO_IPV6, IPV6_V6ONLY, &got, &len);
    bind(srv, (struct sockaddr *)&in6, sizeof in6);
    listen(srv, 4);
    struct sockaddr_in6 name;
    socklen_t nlen = sizeof name;
    getsockname(srv, (struct sockaddr *)&name, &nlen);

    int cli = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 from = in6;
    from.sin6_port = htons(PORT + 1); /* a fixed client port: accept4 prints it */
    setsockopt(cli, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(cli, (struct sockaddr *)&from, sizeof from);
    setsockopt(cli, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
    len = sizeof got;
    getsockopt(cli, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &got, &len);
    setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connect(cli, (struct sockaddr *)&in6, sizeof in6);
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof peer;
    int acc = accept4(srv, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    nlen = sizeof name;
    getpeername(acc, (struct sockaddr *)&name, &nlen);

    struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close sends RST: no TIME_WAIT */
    setsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    len = sizeof lg;
    getsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, &len);
    struct timeval tv = {.tv_sec = 2, .tv_usec = 500000};
    setsockopt(acc, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    len = sizeof tv;
    getsockopt(acc, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
    len = sizeof got;
    getsockopt(acc, SOL_SOCKET, SO_ERROR, &got, &len);

    shutdown(acc, SHUT_RD);
    shutdown(acc, SHUT_WR);
    shutdown(cli, SHUT_RDWR);
    close(cli);
    close(acc);
    close(srv);
}

static void ipv4_udp_options(void)
{
    int tos = 0x10 /* IPTOS_LOWDELAY */, ttl = 9, got = 0;
    socklen_t len = sizeof got;
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
    setsockopt(u, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    setsockopt(u, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    getsockopt(u, IPPROTO_IP, IP_TTL, &got, &len);
    int u6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    setsockopt(u6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl);
    setsockopt(u6, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    close(u6);
    close(u);
}

static void netlink(void)
{
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    int r = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    bind(r, (struct sockaddr *)&nl, sizeof nl);
    close(r);
    int d = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    nl.nl_groups = 0x5;
    bind(d, (struct sockaddr *)&nl, sizeof nl); /* groups on SOCK_DIAG: refused */
    close(d);
    close(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
    close(socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC));
    close(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
}

static void abstract_unix(void)
{
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    memcpy(ab.sun_path, "\0renacer-net6", 13);
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 13;
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&ab, alen);
    listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connect(c, (struct sockaddr *)&ab, alen);
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    int a = accept4(l, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC);
    glen = sizeof got;
    getpeername(c, (struct sockaddr *)&got, &glen);
    close(a);
    close(c);
    close(l);
}

static void packet(void)
{
    int p = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                             .sll_ifindex = 1};
    bind(p, (struct sockaddr *)&ll, sizeof ll);
    close(p);
    close(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IPV6)));
}

int main(void)
{
    getpid(); /* a netlink socket's address holds the pid: this names it for the harness */
    ipv6_tcp();
    ipv4_udp_options();
    netlink();
    abstract_unix();
    packet();
    return 0;
}
