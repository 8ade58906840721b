/* pthreads: clone3 at pthread_create; the thread's own syscalls in its start routine,
 * whose stack begins in glibc's start_thread. Joining may or may not wait: not marked. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char path[4096];

static void *worker(void *arg) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644); // syscall: openat
    write(fd, arg, 1); // syscall: write
    close(fd); // syscall: close
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    snprintf(path, sizeof path, "%s/threads.txt", argv[1]);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, "a"); // syscall: clone3
    pthread_join(t1, NULL);
    pthread_create(&t2, NULL, worker, "b"); // syscall: clone3
    pthread_join(t2, NULL);
    unlink(path); // syscall: unlink
    return 0;
}
