/* Sockets on loopback, one thread: listen, connect into the backlog, accept, send, recv. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int lfd = socket(AF_INET, SOCK_STREAM, 0); // syscall: socket
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // syscall: setsockopt
    bind(lfd, (struct sockaddr *)&addr, sizeof addr); // syscall: bind
    listen(lfd, 4); // syscall: listen
    getsockname(lfd, (struct sockaddr *)&addr, &len); // syscall: getsockname
    int cfd = socket(AF_INET, SOCK_STREAM, 0); // syscall: socket
    connect(cfd, (struct sockaddr *)&addr, sizeof addr); // syscall: connect
    int sfd = accept(lfd, NULL, NULL); // syscall: accept
    send(cfd, "ping", 4, 0); // syscall: sendto
    char buf[4];
    ssize_t n = recv(sfd, buf, sizeof buf, MSG_WAITALL); // syscall: recvfrom
    shutdown(cfd, SHUT_RDWR); // syscall: shutdown
    close(sfd); // syscall: close
    close(cfd); // syscall: close
    close(lfd); // syscall: close
    return n == 4 ? 0 : 1;
}
