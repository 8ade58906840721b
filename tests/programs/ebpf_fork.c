/* A process tree for -f in the eBPF backend: the main thread makes 3 getppid calls, a second
 * thread 11, a forked child 5 and the child's own child 7 (raw syscall(2)s), each process
 * waiting for what it started. Without -f only the main thread's 3 are the command's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void calls(int n)
{
    for (int i = 0; i < n; i++)
        syscall(SYS_getppid);
}

static void *thread(void *arg)
{
    (void)arg;
    calls(11);
    return NULL;
}

int main(void)
{
    pthread_t t;
    calls(3);
    pthread_create(&t, NULL, thread, NULL);
    pthread_join(t, NULL);
    pid_t child = fork();
    if (child == 0) {
        calls(5);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            calls(7);
            _exit(0);
        }
        waitpid(grandchild, NULL, 0);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    return 0;
}
