/* Known syscalls for the eBPF backend's kernel tests: N getppid calls, then M close calls on
 * the descriptors FIRST..FIRST+M-1 (none open: each fails with EBADF), then exit_group(0).
 * Usage: ebpf_calls N M FIRST. Both are raw syscall(2)s, so libc can neither cache nor skip one. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    int m = argc > 2 ? atoi(argv[2]) : 0;
    int first = argc > 3 ? atoi(argv[3]) : 1000;
    for (int i = 0; i < n; i++)
        syscall(SYS_getppid);
    for (int i = 0; i < m; i++)
        syscall(SYS_close, first + i);
    return 0;
}
