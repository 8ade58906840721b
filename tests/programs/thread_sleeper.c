/* For -p on a multi-threaded process: two threads and main each loop
 * nanosleep(20 ms) (clock_nanosleep) for at most 30 s; prints its pid first.
 * Exits 0 when SIGUSR1 arrives (the default action would kill it: a handler
 * sets a flag that every loop checks). The pid is printed only once both
 * threads are in their loop, so an attach sees nothing but the naps. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t told;
static int started; /* threads in their loop, counted atomically */

static void on_usr1(int sig) { (void)sig; told = 1; }

static void *nap(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    if (arg)
        __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 1500 && !told; i++)
        nanosleep(&ts, NULL);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    signal(SIGUSR1, on_usr1);
    pthread_create(&a, NULL, nap, &a);
    pthread_create(&b, NULL, nap, &b);
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2)
        sched_yield();
    printf("%d\n", getpid());
    fflush(stdout);
    nap(NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}
