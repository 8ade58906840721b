/* For -p attach/detach: prints its pid, then loops nanosleep(50 ms)
 * (clock_nanosleep) until SIGUSR1 arrives, then exits 0; gives up after
 * 60 s so it can never outlive a test run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t told;

static void on_usr1(int sig)
{
    (void)sig;
    told = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    printf("%d\n", (int)getpid());
    fflush(stdout);
    struct timespec ts = {0, 50 * 1000 * 1000};
    for (int i = 0; i < 1200 && !told; i++)
        nanosleep(&ts, NULL);
    return told ? 0 : 2;
}
