/* Killed mid-syscall: the child says "ready" on one pipe, then blocks in
 * read on another; the parent waits for "ready", sleeps 50 ms so the child
 * is inside read, kills it with SIGKILL and reaps it with wait4. SIGCHLD is
 * blocked (rt_sigprocmask) so its arrival can't race with wait4 in the trace. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int ready[2], block[2];
    char c;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pipe(ready);
    pipe(block);
    pid_t pid = fork();
    if (pid == 0) {
        write(ready[1], "r", 1);
        read(block[0], &c, 1);
        _exit(1);
    }
    read(ready[0], &c, 1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    wait4(pid, &status, 0, NULL);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}
