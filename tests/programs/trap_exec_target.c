/* What py_trap_exec.py execs when the new image is not Python: `trap_exec_target DIR` stats
 * DIR/mark-native once (newfstatat) from a marked line, so --source names this C line. */
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/mark-native", argc > 1 ? argv[1] : ".");
    return stat(path, &st) == 0; /* syscall: newfstatat native */
}
