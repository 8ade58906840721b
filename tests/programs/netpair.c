/* A small server and its client over TCP on loopback, then over a Unix stream socket.
 * The server (the parent) listens before forking, so the client (the child) connects without
 * retrying; each side then does what real ones do: socket, setsockopt(SO_REUSEADDR), bind,
 * listen, accept4, connect, getsockname/getpeername, a request with send and recv, a reply
 * with write and read, shutdown, close, and the parent reaps the child with wait4.
 * Run it under -f: the two processes' lines interleave. SIGCHLD is blocked, so whether it
 * would land before or during wait4 (scheduling) never shows in the trace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PORT 47751

static void serve(int lfd) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    char buf[64];
    int c = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n > 0)
        write(c, "pong\n", 5);
    shutdown(c, SHUT_WR);
    close(c);
}

static void ask(int fd) {
    char buf[64];
    send(fd, "ping\n", 5, 0);
    read(fd, buf, sizeof buf);
    close(fd);
}

int main(void) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int one = 1;
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    int tl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    setsockopt(tl, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(tl, (struct sockaddr *)&in, sizeof in);
    listen(tl, 4);

    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "/tmp/renacer-netpair-%d.sock", PORT);
    unlink(un.sun_path);
    int ul = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(ul, (struct sockaddr *)&un, sizeof un);
    listen(ul, 4);

    pid_t pid = fork();
    if (pid == 0) {
        close(tl);
        close(ul);
        int t = socket(AF_INET, SOCK_STREAM, 0);
        connect(t, (struct sockaddr *)&in, sizeof in);
        struct sockaddr_in me;
        socklen_t len = sizeof me;
        getpeername(t, (struct sockaddr *)&me, &len);
        ask(t);
        int u = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(u, (struct sockaddr *)&un, sizeof un);
        ask(u);
        _exit(0);
    }
    serve(tl);
    serve(ul);
    int status;
    wait4(pid, &status, 0, NULL);
    close(tl);
    close(ul);
    unlink(un.sun_path);
    return 0;
}
