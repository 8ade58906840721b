/* Process-family syscalls: glibc fork (clone), raw fork, vfork + execve of
 * /bin/true, wait4 for each child; children leave with exit_group. SIGCHLD
 * is blocked first (rt_sigprocmask) so its arrival never races with wait4. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int status;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    wait4(pid, &status, 0, NULL);

#ifdef SYS_fork
    pid = syscall(SYS_fork);
#else /* aarch64 has no fork: the raw call is clone(SIGCHLD), which is what glibc's fork makes */
    pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
    if (pid == 0)
        _exit(2);
    wait4(pid, &status, 0, NULL);

    pid = vfork();
    if (pid == 0) {
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    wait4(pid, &status, 0, NULL);
    return 0;
}
