/* Benchmark workload: N write(2) calls of 8 bytes to /dev/null (N from argv[1]). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    int fd = open("/dev/null", O_WRONLY);
    for (long i = 0; i < n; i++)
        write(fd, "renacer\n", 8);
    return 0;
}
