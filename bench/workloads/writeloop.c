/* Bench workload: N (argv[1], default 200000) write(2) calls of 8 bytes to /dev/null, timed. */
#include <fcntl.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int fd = open("/dev/null", O_WRONLY);
    double start = bench_now();
    for (long i = 0; i < n; i++)
        write(fd, "renacer\n", 8);
    bench_report(start);
    return 0;
}
