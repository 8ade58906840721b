/* fork, a pipe between parent and child, the child's write and _exit, the parent's read and
 * waitpid. The child's syscalls are its own events (renacer -f) with the child's stack. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(int fd) {
    write(fd, "from child", 10); // syscall: write
    _exit(7); // syscall: exit_group
}

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) // syscall: pipe2
        return 2;
    pid_t pid = fork(); // syscall: clone
    if (pid == 0)
        child(fds[1]);
    close(fds[1]); // syscall: close
    char buf[16];
    ssize_t n = read(fds[0], buf, sizeof buf); // syscall: read
    int status = 0;
    waitpid(pid, &status, 0); // syscall: wait4
    close(fds[0]); // syscall: close
    return n == 10 && WEXITSTATUS(status) == 7 ? 0 : 1;
}
