/* Function pointers: a dispatch table called through a pointer, and a callback run by
 * libc's qsort (the innermost user frame sits above qsort's frames). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int log_fd = -1;

static int by_value(const void *a, const void *b) {
    write(log_fd, "c", 1); // syscall: write
    return *(const int *)a - *(const int *)b;
}

static void op_sync(void) { fsync(log_fd); } // syscall: fsync
static void op_pid(void) { (void)getppid(); } // syscall: getppid
static void op_trunc(void) { ftruncate(log_fd, 0); } // syscall: ftruncate

static void (*const ops[])(void) = {op_sync, op_pid, op_trunc};

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/callbacks.log", argv[1]);
    log_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644); // syscall: openat
    int values[] = {3, 1, 2};
    qsort(values, 3, sizeof values[0], by_value);
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
        ops[i]();
    close(log_fd); // syscall: close
    unlink(path); // syscall: unlink
    return values[0] == 1 ? 0 : 1;
}
