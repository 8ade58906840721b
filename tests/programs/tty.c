/* Terminal ioctls on a pseudo-terminal, each decoded as strace prints it.
 * The pty comes from a private devpts instance (fsopen/fsmount, attached nowhere) opened in
 * an untraced child that shares our descriptor table (clone CLONE_FILES), so its number is 0
 * in every run whatever ptys the machine holds. Then: TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER for
 * the slave; setsid and TIOCSCTTY; TCGETS, TCSETS/TCSETSW/TCSETSF (struct termios, which -v
 * prints in full); TIOCSWINSZ/TIOCGWINSZ; TIOCGPGRP/TIOCSPGRP/TIOCGSID; TIOCOUTQ; FIONREAD
 * on the tty and on a pipe; TCFLSH, TCXONC, TCSBRK; FIOCLEX/FIONCLEX/FIONBIO/FIOASYNC;
 * failures: NULL and unreadable pointers, bad arguments, TCGETS on a pipe (ENOTTY); last
 * TIOCNOTTY. SIGCHLD, SIGHUP, SIGCONT and SIGWINCH stay blocked: no signal lines to place. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define BAD ((void *)8) /* an address that is never mapped */

/* In the untraced child: a new devpts instance and its ptmx, left in the shared fd table. */
static int open_private_ptmx(void)
{
    int fs = syscall(SYS_fsopen, "devpts", FSOPEN_CLOEXEC);
    if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return 1;
    int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0 || openat(mnt, "ptmx", O_RDWR | O_NOCTTY) < 0)
        return 1;
    close(mnt);
    close(fs);
    return 0;
}

int main(void)
{
    sigset_t quiet;
    sigemptyset(&quiet);
    sigaddset(&quiet, SIGCHLD);
    sigaddset(&quiet, SIGHUP);
    sigaddset(&quiet, SIGCONT);
    sigaddset(&quiet, SIGWINCH);
    sigprocmask(SIG_BLOCK, &quiet, NULL);

    long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0)
        _exit(open_private_ptmx());
    int status;
    wait4(pid, &status, 0, NULL);
    int m = 5; /* the child's fsopen and fsmount descriptors were 3 and 4 */

    int n = -1, zero = 0, one = 1;
    ioctl(m, TIOCGPTN, &n);
    ioctl(m, TIOCSPTLCK, &zero);
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);

    setsid();
    ioctl(s, TIOCSCTTY, 0);

    struct termios t;
    ioctl(s, TCGETS, &t);
    struct termios raw = t;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 3;
    ioctl(s, TCSETS, &raw);
    raw.c_cflag |= CSTOPB | PARENB | CLOCAL;
    raw.c_oflag |= OPOST | ONLCR | NL1 | CR2 | TAB3;
    ioctl(s, TCSETSW, &raw);
    ioctl(s, TCSETSF, &t);
    ioctl(s, TCGETS, &t);
    ioctl(m, TCGETS, &t);
    ioctl(s, TCGETS, NULL);
    ioctl(s, TCGETS, BAD);
    ioctl(s, TCSETS, BAD);

    struct winsize ws = {.ws_row = 24, .ws_col = 80, .ws_xpixel = 640, .ws_ypixel = 480};
    ioctl(m, TIOCSWINSZ, &ws);
    struct winsize got;
    ioctl(s, TIOCGWINSZ, &got);
    ioctl(s, TIOCSWINSZ, NULL);
    ioctl(s, TIOCGWINSZ, BAD);

    pid_t pgrp, sid;
    ioctl(s, TIOCGPGRP, &pgrp);
    ioctl(s, TIOCSPGRP, &pgrp);
    ioctl(s, TIOCGSID, &sid);
    ioctl(m, TIOCGSID, &sid);
    ioctl(s, TIOCSPGRP, BAD);

    int queued;
    ioctl(s, TIOCOUTQ, &queued);
    ioctl(s, FIONREAD, &queued);
    int p[2];
    pipe(p);
    write(p[1], "hello", 5);
    ioctl(p[0], FIONREAD, &queued);
    ioctl(p[0], TCGETS, &t);
    ioctl(p[0], TCSETS, &t);
    ioctl(p[0], TIOCGWINSZ, &got);

    ioctl(s, TCFLSH, TCIFLUSH);
    ioctl(s, TCFLSH, TCOFLUSH);
    ioctl(s, TCFLSH, TCIOFLUSH);
    ioctl(s, TCFLSH, 7);
    ioctl(s, TCXONC, TCOOFF);
    ioctl(s, TCXONC, TCOON);
    ioctl(s, TCXONC, TCIOFF);
    ioctl(s, TCXONC, TCION);
    ioctl(s, TCXONC, 9);
    ioctl(s, TCSBRK, 1);
    ioctl(s, TIOCSCTTY, 16);

    ioctl(s, FIOCLEX);
    ioctl(s, FIONCLEX);
    ioctl(s, FIONBIO, &one);
    ioctl(s, FIONBIO, &zero);
    ioctl(s, FIOASYNC, &one);
    ioctl(s, FIOASYNC, &zero);
    ioctl(s, FIONBIO, NULL);

    ioctl(s, TIOCNOTTY);
    ioctl(s, TIOCNOTTY);
    close(p[0]);
    close(p[1]);
    close(s);
    close(m);
    return 0;
}
