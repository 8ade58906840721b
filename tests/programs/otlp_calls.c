/* For the OTLP export tests: argv[1] getppid() calls (cheap: one syscall span each, and
 * nothing else makes them), then one open of a missing path (openat fails with ENOENT: an
 * ERROR span), then the TRACEPARENT it was given on stdout (write); exits with status 3. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 0;
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    open("/nonexistent/renacer-otlp", O_RDONLY);
    const char *parent = getenv("TRACEPARENT");
    printf("TRACEPARENT=%s\n", parent ? parent : "");
    return 3;
}
