/* File-family syscalls, one or two of each, in a scratch dir under the cwd:
 * mkdir, chdir, getcwd, open (raw), openat, write, lseek, read, pread64,
 * fstat (raw, since glibc's fstat is newfstatat), newfstatat, statx, access,
 * symlink + readlink, getdents64 (raw), dup, pipe2, fcntl, unlink, rmdir.
 * Names are fixed so that two runs (strace and renacer) print the same text. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    char buf[64];
    char dents[1024];
    struct stat st;
    struct statx stx;
    int fd, fd2, p[2];

    rmdir("renacer-files.d"); /* leftovers from an interrupted run */
    mkdir("renacer-files.d", 0755);
    chdir("renacer-files.d");
    getcwd(buf, sizeof buf);
#ifdef SYS_open
    fd = syscall(SYS_open, "data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
#else /* aarch64 has only openat */
    fd = syscall(SYS_openat, AT_FDCWD, "data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
#endif
    write(fd, "hello world\n", 12);
    lseek(fd, 0, SEEK_SET);
    read(fd, buf, sizeof buf);
    pread(fd, buf, 5, 6);
    syscall(SYS_fstat, fd, &st);
    fstatat(AT_FDCWD, "data.txt", &st, 0);
    statx(AT_FDCWD, "data.txt", 0, STATX_BASIC_STATS, &stx);
    access("data.txt", R_OK | W_OK);
    access("missing.txt", F_OK);
    symlink("data.txt", "link.txt");
    readlink("link.txt", buf, sizeof buf);
    fd2 = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents64, fd2, dents, sizeof dents);
    close(fd2);
    fd2 = dup(fd);
    fcntl(fd2, F_SETFD, FD_CLOEXEC);
    fcntl(fd2, F_GETFL);
    close(fd2);
    pipe2(p, O_CLOEXEC);
    close(p[0]);
    close(p[1]);
    close(fd);
    unlink("link.txt");
    unlink("data.txt");
    chdir("..");
    rmdir("renacer-files.d");
    return 0;
}
