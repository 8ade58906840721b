/* For the kernel-side summary (-c with --backend ebpf): `summary_counts N M T STATUS` makes N
 * getppid calls and M failing openat calls (ENOENT) in the main thread, starts T threads that
 * make N getppid calls each (clone3, futex...), joins them and exits with STATUS. Known counts:
 * getppid N*(T+1) with -f, N without; openat M errors on top of the C runtime's own. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static long calls;

static void *worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < calls; i++)
        getppid();
    return NULL;
}

int main(int argc, char **argv)
{
    calls = argc > 1 ? atol(argv[1]) : 100;
    long fails = argc > 2 ? atol(argv[2]) : 7;
    int threads = argc > 3 ? atoi(argv[3]) : 0;
    pthread_t tids[16];
    for (long i = 0; i < calls; i++)
        getppid();
    for (long i = 0; i < fails; i++)
        open("/nonexistent/renacer-summary", O_RDONLY);
    for (int i = 0; i < threads && i < 16; i++)
        pthread_create(&tids[i], NULL, worker, NULL);
    for (int i = 0; i < threads && i < 16; i++)
        pthread_join(tids[i], NULL);
    return argc > 4 ? atoi(argv[4]) : 0;
}
