/* A sleep resumed by restart_syscall: prints its pid, then clock_nanosleep for 600 ms; whoever
 * runs it sends SIGSTOP and SIGCONT meanwhile (no handler: the kernel restarts the sleep with
 * restart_syscall). Then it writes "woke". */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timespec ts = {0, 600 * 1000 * 1000};
    printf("%d\n", (int)getpid());
    fflush(stdout);
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    write(1, "woke\n", 5);
    return 0;
}
