/* A program with its own seccomp filter: getppid fails with EPERM (SECCOMP_RET_ERRNO), which
 * outranks a tracer's SECCOMP_RET_TRACE. prctl(PR_SET_NO_NEW_PRIVS), prctl(PR_SET_SECCOMP), then
 * getppid (-1 EPERM) and getpid (allowed). A tracer must still show the denied getppid. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return 1;
    syscall(SYS_getppid);
    syscall(SYS_getpid);
    return 0;
}
