/* Inlining in C: static inline and always_inline helpers, a macro that expands to a
 * syscall at its use, and helpers whose last act is a call (at -O2 and -O3 gcc turns these
 * into tail jumps, so the helper's frame is gone from the stack at the syscall: hard). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_STR(fd, s) write((fd), (s), sizeof(s) - 1)

static inline int open_out(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); // syscall: openat
}

__attribute__((always_inline)) static inline void put(int fd, const char *s, size_t n) {
    if (write(fd, s, n) != (ssize_t)n) // syscall: write
        _exit(1);
}

static int size_of(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) // syscall: newfstatat
        return -1;
    return (int)st.st_size;
}

__attribute__((noinline)) static int finish(int fd) {
    return close(fd); // syscall: close
}

__attribute__((noinline)) static int drop_file(const char *path) {
    return unlink(path); // syscall: unlink
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/inline.txt", argv[1]);
    int fd = open_out(path);
    put(fd, "abc", 3);
    WRITE_STR(fd, "defg"); // syscall: write
    finish(fd);
    int n = size_of(path);
    drop_file(path);
    return n == 7 ? 0 : 1;
}
