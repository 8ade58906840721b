/* Dies by a signal chosen by argv[1]: "segv" (write through NULL: SIGSEGV),
 * "abrt" (abort: rt_sigprocmask + tgkill SIGABRT), "usr1" (raise SIGUSR1
 * with the default action, which terminates without a core). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "segv";
    if (strcmp(how, "abrt") == 0)
        abort();
    if (strcmp(how, "usr1") == 0)
        raise(SIGUSR1);
    volatile int *null = NULL;
    *null = 1;
    return 0;
}
