/* For --source and -k: `source_demo FILE` reads FILE through a helper chain (main ->
 * load_config -> read_all, and an always-inlined close_quietly), then writes what it read
 * to stdout. Each line that makes a syscall says which one in a trailing comment; the tests
 * find the lines by those comments. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static char buf[256];

__attribute__((noinline)) static long read_all(int fd)
{
    long got = read(fd, buf, sizeof buf - 1); /* syscall: read */
    return got < 0 ? 0 : got;
}

static inline __attribute__((always_inline)) void close_quietly(int fd)
{
    close(fd); /* syscall: close */
}

__attribute__((noinline)) static long load_config(const char *path)
{
    int fd = open(path, O_RDONLY); /* syscall: openat */
    if (fd < 0)
        return -1;
    long n = read_all(fd);
    close_quietly(fd);
    return n;
}

int main(int argc, char **argv)
{
    long n = load_config(argc > 1 ? argv[1] : "/etc/hostname");
    if (n > 0)
        write(1, buf, (size_t)n); /* syscall: write */
    return n > 0 ? 0 : 1;
}
