/* Descriptor, ioctl and stat calls: fcntl (GETFD/SETFD/GETFL/SETFL/DUPFD_CLOEXEC/GETLK),
 * dup/dup2/dup3, pipe2, poll, ioctl FIONREAD on a pipe, TCGETS on a non-tty (ENOTTY),
 * a pseudo-terminal (TIOCGPTN, TIOCSPTLCK, TCGETS, TIOCGWINSZ, TIOCSWINSZ), statfs,
 * fstatfs, stat, lstat, statx, readlink, lseek with each whence, and getdents64. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <termios.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    int p[2];
    pipe2(p, O_CLOEXEC | O_NONBLOCK);
    write(p[1], "abc", 3);
    int n = 0;
    ioctl(p[0], FIONREAD, &n);
    struct pollfd pfd[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    poll(pfd, 2, 0);

    fcntl(p[0], F_GETFD);
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    int fl = fcntl(p[0], F_GETFL);
    fcntl(p[0], F_SETFL, fl & ~O_NONBLOCK);
    int d = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
    int d2 = dup(d);
    dup2(d2, 20);
    dup3(d2, 21, O_CLOEXEC);

    int f = open("/etc/hostname", O_RDONLY);
    struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    fcntl(f, F_GETLK, &lk);
    struct termios t;
    ioctl(f, TCGETS, &t);
    lseek(f, 1, SEEK_SET);
    lseek(f, 0, SEEK_CUR);
    lseek(f, 0, SEEK_END);

    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m >= 0) {
        int ptn = 0, unlock = 0;
        ioctl(m, TIOCGPTN, &ptn);
        ioctl(m, TIOCSPTLCK, &unlock);
        ioctl(m, TCGETS, &t);
        struct winsize ws = {.ws_row = 24, .ws_col = 80};
        ioctl(m, TIOCSWINSZ, &ws);
        ioctl(m, TIOCGWINSZ, &ws);
        close(m);
    }

    struct statfs sfs;
    statfs("/", &sfs);
    fstatfs(f, &sfs);
    struct stat st;
    stat("/etc/hostname", &st);
    lstat("/proc/self", &st);
    struct statx sx;
    statx(AT_FDCWD, "/etc/hostname", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx);
    char link[64];
    readlink("/proc/self/cwd/nonexistent", link, sizeof link);

    int dir = open("/etc/ssl", O_RDONLY | O_DIRECTORY);
    char ents[4096];
    while (syscall(SYS_getdents64, dir, ents, sizeof ents) > 0)
        ;
    close(dir);
    close(f);
    return 0;
}
