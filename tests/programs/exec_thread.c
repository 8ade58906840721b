/* execve from a non-main thread: the kernel kills the other threads, and the
 * exec'ing thread takes over the thread-group leader's pid. The thread first
 * sleeps 20 ms (nanosleep) so the main thread is surely blocked in pause. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static void *exec_main(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    char *argv[] = {"true", NULL};
    char *envp[] = {NULL};
    execve("/bin/true", argv, envp);
    _exit(127);
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, exec_main, NULL);
    pause();
    return 1;
}
