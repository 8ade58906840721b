/* Bench workload: N (argv[1]) rounds of stat, openat and close on the file PATH (argv[2]), timed:
 * 3 syscalls a round, a third of them openat (what -e trace=openat keeps). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    long n = atol(argv[1]);
    struct stat st;
    double start = bench_now();
    for (long i = 0; i < n; i++) {
        if (stat(argv[2], &st) != 0)
            return 1;
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0)
            return 1;
        close(fd);
    }
    bench_report(start);
    return 0;
}
