/* Vectors and messages, each decoded as strace prints it:
 * writev/readv on a pipe (readv spreads the bytes read over its iovecs; a long iovec is cut
 * at -s), pwritev/preadv/pwritev2/preadv2 on a file in the working directory (offsets,
 * RWF_* flags), sendto/recvfrom on an AF_UNIX datagram pair (NULL address; the unnamed peer
 * address), a sendto with an AF_INET address on a connected stream socket (fails, no port is
 * used), sendmsg/recvmsg passing a descriptor with SCM_RIGHTS (MSG_* flags, msg_flags),
 * sendmmsg/recvmmsg with two messages, recvmsg into a msg_name from an unnamed peer, and
 * recvfrom, recvmsg and readv that fail (EAGAIN, EBADF). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    char a[1], b[2], c[8], big[64];
    pipe(p);
    struct iovec out[2] = {{"ab", 2}, {"c\n", 2}};
    writev(p[1], out, 2);
    struct iovec in[3] = {{a, 1}, {b, 2}, {c, sizeof c}};
    readv(p[0], in, 3);
    memset(big, 'x', sizeof big);
    struct iovec longer[2] = {{big, 40}, {"tail", 4}};
    writev(p[1], longer, 2);
    struct iovec bigin[1] = {{big, sizeof big}};
    readv(p[0], bigin, 1);

    int f = open("msg.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    pwritev(f, out, 2, 0);
    preadv(f, in, 3, 1);
    pwritev2(f, out, 1, 4, RWF_DSYNC);
    preadv2(f, in, 2, 0, RWF_HIPRI);
    preadv2(f, in, 1, -1, 0);

    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    sendto(d[0], "ping", 4, 0, NULL, 0);
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    recvfrom(d[1], big, sizeof big, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    sendto(d[0], "pong", 4, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
    recvfrom(d[1], big, sizeof big, 0, NULL, NULL);

    int s[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    sendto(s[0], "ping", 4, MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof sin);

    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec one = {"x", 1};
    struct msghdr m = {.msg_iov = &one, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
    sendmsg(s[0], &m, MSG_NOSIGNAL);
    struct iovec back = {c, sizeof c};
    struct msghdr r = {.msg_iov = &back, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf};
    recvmsg(s[1], &r, MSG_CMSG_CLOEXEC);

    struct iovec v1 = {"one", 3}, v2 = {"two!", 4};
    struct mmsghdr mm[2] = {{.msg_hdr = {.msg_iov = &v1, .msg_iovlen = 1}},
                            {.msg_hdr = {.msg_iov = &v2, .msg_iovlen = 1}}};
    sendmmsg(d[0], mm, 2, 0);
    char r1[8], r2[8];
    struct iovec w1 = {r1, sizeof r1}, w2 = {r2, sizeof r2};
    struct mmsghdr rm[2] = {{.msg_hdr = {.msg_iov = &w1, .msg_iovlen = 1}},
                            {.msg_hdr = {.msg_iov = &w2, .msg_iovlen = 1}}};
    recvmmsg(d[1], rm, 2, MSG_DONTWAIT, NULL);
    recvfrom(d[1], big, sizeof big, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    sendto(d[0], "named?", 6, 0, NULL, 0);
    struct msghdr n = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &back, .msg_iovlen = 1};
    recvmsg(d[1], &n, MSG_DONTWAIT);
    recvmsg(d[1], &n, MSG_DONTWAIT);
    readv(-1, in, 1);
    unlink("msg.tmp");
    return 0;
}
