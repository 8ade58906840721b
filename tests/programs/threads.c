/* Threads: clone3 (pthread_create) of two threads that write(2) to stdout.
 * The first blocks in read on a pipe until the second, 20 ms later, writes a
 * byte; then the first writes and exits (exit, not exit_group) while the
 * second still runs: it waits for main to have joined the first (futex) and
 * writes again. Sleeps make each join block, so every run makes the same calls. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static int go[2], joined[2];

static void nap(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void *first_main(void *arg)
{
    char c;
    (void)arg;
    read(go[0], &c, 1);
    write(1, "first\n", 6);
    return NULL;
}

static void *second_main(void *arg)
{
    char c;
    (void)arg;
    write(1, "second\n", 7);
    nap();
    write(go[1], "g", 1);
    read(joined[0], &c, 1);
    write(1, "second after first\n", 19);
    nap();
    return NULL;
}

int main(void)
{
    pthread_t first, second;
    pipe(go);
    pipe(joined);
    pthread_create(&first, NULL, first_main, NULL);
    pthread_create(&second, NULL, second_main, NULL);
    pthread_join(first, NULL);
    write(joined[1], "j", 1);
    pthread_join(second, NULL);
    write(1, "main done\n", 10);
    return 0;
}
