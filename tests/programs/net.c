/* Sockets on loopback, each call decoded as strace prints it: socketpair (AF_UNIX),
 * socket/bind/listen/getsockname for AF_INET on a fixed port (so both tracers see the
 * same address), connect, accept4, getpeername, AF_INET6 on ::1, AF_UNIX bound to a
 * path and to an abstract name, and a failing connect (ECONNREFUSED). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PORT 47731 /* fixed: ephemeral ports would differ between two runs */

int main(void)
{
    int sv[2];
    char buf[16];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    write(sv[0], "ping", 4);
    read(sv[1], buf, sizeof buf);

    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    int srv = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(srv, (struct sockaddr *)&in, sizeof in);
    listen(srv, 4);
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    getsockname(srv, (struct sockaddr *)&got, &len);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    connect(cli, (struct sockaddr *)&in, sizeof in);
    int acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    len = sizeof got;
    getpeername(cli, (struct sockaddr *)&got, &len);
    close(cli); /* the client closes first: TIME_WAIT stays off the fixed port */
    close(acc);
    close(srv);

    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    bind(s6, (struct sockaddr *)&in6, sizeof in6);
    close(s6);

    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path, "/tmp/renacer-test-net.sock");
    unlink(un.sun_path);
    int us = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(us, (struct sockaddr *)&un, sizeof un);
    unlink(un.sun_path);
    close(us);
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    memcpy(ab.sun_path, "\0renacer-abstract", 17);
    int as = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(as, (struct sockaddr *)&ab, offsetof(struct sockaddr_un, sun_path) + 17);
    close(as);

    in.sin_port = htons(PORT + 1); /* nobody listens there */
    int refused = socket(AF_INET, SOCK_STREAM, 0);
    connect(refused, (struct sockaddr *)&in, sizeof in);
    close(refused);
    return 0;
}
