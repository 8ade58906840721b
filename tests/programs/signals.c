/* Signals: rt_sigaction for SIGUSR1 and SIGCHLD, raise(SIGUSR1) (tgkill) with
 * the handler writing a line and returning (rt_sigreturn). Then, with SIGCHLD
 * blocked, a forked child exits and is reaped with wait4; unblocking
 * (rt_sigprocmask) delivers the pending SIGCHLD at a fixed point. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        write(1, "usr1\n", 5);
    else
        write(1, "chld\n", 5);
}

int main(void)
{
    struct sigaction sa;
    sigset_t chld;
    int status;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    raise(SIGUSR1);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    wait4(pid, &status, 0, NULL);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    return 0;
}
