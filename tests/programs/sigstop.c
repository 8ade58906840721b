/* Self-stop: prints its pid, then kill(getpid(), SIGSTOP); whoever runs it
 * sends SIGCONT, after which it writes "resumed" and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("%d\n", (int)getpid());
    fflush(stdout);
    kill(getpid(), SIGSTOP);
    write(1, "resumed\n", 8);
    return 0;
}
