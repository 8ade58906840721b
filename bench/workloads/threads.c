/* Bench workload: T (argv[2], default 4) pthreads, each making N (argv[1]) writes of 8 bytes to
 * /dev/null and N getppid calls; timed from before the first thread starts to after the last joins.
 * Thread start-up and joins add clone3, mmap, mprotect, futex, ... (futex counts vary run to run). */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "timing.h"

static long rounds;
static int fd;

static void *work(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        write(fd, "renacer\n", 8);
        getppid();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atol(argv[1]) : 2500;
    int count = argc > 2 ? atoi(argv[2]) : 4;
    pthread_t threads[64];
    if (count < 1 || count > 64)
        return 2;
    fd = open("/dev/null", O_WRONLY);
    double start = bench_now();
    for (int t = 0; t < count; t++)
        if (pthread_create(&threads[t], NULL, work, NULL) != 0)
            return 1;
    for (int t = 0; t < count; t++)
        pthread_join(threads[t], NULL);
    bench_report(start);
    return 0;
}
