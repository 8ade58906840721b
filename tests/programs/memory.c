/* Memory-family syscalls: brk (query and grow), mmap (anonymous), mprotect,
 * madvise, munmap, plus a failing munmap for the error path. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long top = syscall(SYS_brk, 0);
    syscall(SYS_brk, top + 8192);
    char *p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    mprotect(p, 4096, PROT_READ);
    madvise(p + 4096, 4096, MADV_DONTNEED);
    munmap(p, 16384);
    munmap((void *)1, 4096); /* EINVAL: unaligned */
    return 0;
}
