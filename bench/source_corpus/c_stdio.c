/* stdio: buffered writes reach the kernel at fflush/fclose; the first use of a stream
 * (a write or a read) sizes its buffer with fstat (newfstatat). Output to stdout is flushed
 * explicitly, since a pipe or file is fully buffered and would be written at exit. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/stdio.txt", argv[1]);
    FILE *out = fopen(path, "w"); // syscall: openat
    fputs("alpha\n", out); // syscall: newfstatat
    fprintf(out, "%d\n", 42);
    fflush(out); // syscall: write
    fputs("beta\n", out);
    fclose(out); // syscall: write, close
    FILE *in = fopen(path, "r"); // syscall: openat
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, in)) // syscall: newfstatat, read
        lines++;
    fclose(in); // syscall: close
    remove(path); // syscall: unlink
    printf("%d\n", lines); // syscall: newfstatat
    fflush(stdout); // syscall: write
    return lines == 3 ? 0 : 1;
}
