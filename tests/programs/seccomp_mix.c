/* Many untraced calls around one traced pair: getppid N times (argv[1], default 2000), then
 * openat and close of /dev/null, then N more getppid. Traced with -e trace=openat, only the
 * execve and the openat need to stop it when the seccomp filter is in use. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000;
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    close(open("/dev/null", O_RDONLY));
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    return 0;
}
