/* Memory and signal calls, each returning at once; raw syscall() so libc picks no other call.
 * Memory: mmap (anonymous, shared, a bad fd), mprotect (PROT_* sets, unknown bits), mremap
 * (grow, move to a new address with MREMAP_FIXED, MREMAP_DONTUNMAP, unknown flags), madvise
 * (every harmless MADV_* advice and an unknown one), mlock/munlock, mlock2 (MLOCK_ONFAULT,
 * unknown flags), mlockall (MCL_*)/munlockall, msync (MS_* flags), mincore (the page vector),
 * membarrier (QUERY, a registration, bad commands), process_vm_readv/writev on this process,
 * pkey_alloc/pkey_mprotect/pkey_free (may fail on a CPU without protection keys).
 * Signals: rt_sigaction (SIG_IGN, SIG_DFL, SIG_ERR, a handler with SA_* flags and a mask, the
 * old action, unknown flags, SIGKILL, a bad size), rt_sigprocmask (each how, an unknown one),
 * a handled signal and rt_sigreturn, rt_sigpending (sizes), rt_sigsuspend (a pending signal
 * ends it at once), rt_sigtimedwait (a pending signal, a zero timeout for EAGAIN), sigaltstack
 * (SS_* flags), kill/tkill/tgkill (signal 0 and blocked signals), rt_sigqueueinfo and
 * rt_tgsigqueueinfo (consumed by rt_sigtimedwait), pidfd_open (PIDFD_NONBLOCK),
 * pidfd_send_signal (signal 0), pidfd_getfd; NULL and unreadable pointers throughout. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/pidfd.h>
#include <unistd.h>

#define BAD ((void *)8) /* never mapped: the kernel faults on it */
#define SS ((long)sizeof(uint64_t))

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static void on_signal(int sig)
{
    (void)sig;
}

static void memory(pid_t pid)
{
    long page = 4096;
    char *p = (char *)syscall(SYS_mmap, 0, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = (char *)syscall(SYS_mmap, 0, page, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    syscall(SYS_mmap, 0, page, PROT_READ, MAP_PRIVATE, -1, 0); /* EBADF */
    syscall(SYS_mmap, 0, page, PROT_READ | 0x100, MAP_PRIVATE | MAP_ANONYMOUS | 0x200000, -1, 0);
    p[0] = 'x';
    syscall(SYS_mprotect, p, page, PROT_NONE);
    syscall(SYS_mprotect, p, page, PROT_READ | PROT_WRITE | PROT_EXEC);
    syscall(SYS_mprotect, p, page, PROT_READ | 0x100); /* EINVAL */
    syscall(SYS_mprotect, p, page, 0x80); /* EINVAL */
    syscall(SYS_mprotect, p, page, PROT_READ | PROT_WRITE);

    /* mincore: pages 0 resident, 1-3 not */
    unsigned char vec[4];
    syscall(SYS_mincore, p, 4 * page, vec);
    syscall(SYS_mincore, p, 4 * page, BAD);
    syscall(SYS_mincore, p + 1, page, vec); /* EINVAL */

    /* madvise */
    static const int advice[] = {
        MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
        MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
        MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD,
        MADV_PAGEOUT, 22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */, 24 /* DONTNEED_LOCKED */,
        25 /* COLLAPSE */, 26, 77,
    };
    for (unsigned i = 0; i < sizeof advice / sizeof advice[0]; i++)
        syscall(SYS_madvise, p + page, page, advice[i]);

    /* locking */
    syscall(SYS_mlock, p, page);
    syscall(SYS_munlock, p, page);
    syscall(SYS_mlock2, p, page, 0);
    syscall(SYS_mlock2, p, page, MLOCK_ONFAULT);
    syscall(SYS_mlock2, p, page, 0x6); /* EINVAL */
    syscall(SYS_munlock, p, 2 * page);
    syscall(SYS_mlockall, MCL_CURRENT | MCL_FUTURE);
    syscall(SYS_munlockall);
    syscall(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT);
    syscall(SYS_munlockall);
    syscall(SYS_mlockall, 0x18); /* EINVAL */

    /* msync */
    syscall(SYS_msync, s, page, MS_ASYNC);
    syscall(SYS_msync, s, page, MS_SYNC | MS_INVALIDATE);
    syscall(SYS_msync, s, page, 0);
    syscall(SYS_msync, s, page, MS_ASYNC | MS_SYNC); /* EINVAL */
    syscall(SYS_msync, s, page, 0x10); /* EINVAL */

    /* membarrier */
    syscall(SYS_membarrier, 0 /* QUERY */, 0, 0);
    syscall(SYS_membarrier, 1 << 4 /* REGISTER_PRIVATE_EXPEDITED */, 0, 0);
    syscall(SYS_membarrier, 1 << 3 /* PRIVATE_EXPEDITED */, 0, 0);
    syscall(SYS_membarrier, 1 << 7 /* PRIVATE_EXPEDITED_RSEQ */, 1 /* FLAG_CPU */, 0);
    syscall(SYS_membarrier, 1 << 12, 0, 0);
    syscall(SYS_membarrier, 0, 2, 0);

    /* process_vm_readv/writev on this very process */
    char src[] = "memory from afar, quite a long line of it";
    char dst[64] = {0};
    struct iovec local[2] = {{dst, 8}, {dst + 8, 40}};
    struct iovec remote[2] = {{src, 20}, {src + 20, 22}};
    syscall(SYS_process_vm_readv, pid, local, 2, remote, 2, 0);
    syscall(SYS_process_vm_readv, pid, local, 1, remote, 1, 0);
    syscall(SYS_process_vm_writev, pid, remote, 1, local, 2, 0);
    struct iovec bad_remote = {BAD, 8};
    syscall(SYS_process_vm_readv, pid, local, 1, &bad_remote, 1, 0); /* EFAULT */
    syscall(SYS_process_vm_readv, pid, local, 1, remote, 1, 1); /* EINVAL */
    syscall(SYS_process_vm_readv, pid, NULL, 0, NULL, 0, 0);
    syscall(SYS_process_vm_readv, pid, BAD, 1, remote, 1, 0);

    /* mremap */
    char *m = (char *)syscall(SYS_mmap, 0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *q = (char *)syscall(SYS_mremap, m, 2 * page, 8 * page, MREMAP_MAYMOVE);
    char *target = (char *)syscall(SYS_mmap, 0, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q = (char *)syscall(SYS_mremap, q, 8 * page, 8 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    char *r = (char *)syscall(SYS_mremap, q, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    syscall(SYS_mremap, q, page, 2 * page, 0);
    syscall(SYS_mremap, q, page, 2 * page, 0x40, 0); /* EINVAL */
    syscall(SYS_munmap, r, page);

    /* protection keys */
    long key = syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE);
    syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE | 0x10);
    syscall(SYS_pkey_alloc, 1, 0);
    syscall(SYS_pkey_alloc, 0, 0x8);
    syscall(SYS_pkey_mprotect, q, page, PROT_READ, key);
    syscall(SYS_pkey_mprotect, q, page, PROT_READ | PROT_WRITE, -1);
    syscall(SYS_pkey_free, key);
    syscall(SYS_pkey_free, 99);

    syscall(SYS_munmap, q, 8 * page);
    syscall(SYS_munmap, p, 4 * page);
    syscall(SYS_munmap, s, page);
    syscall(SYS_munmap, (void *)1, page); /* EINVAL */
}

/* a handler for raw rt_sigaction calls (no SA_RESTORER) on signals never sent */
static void never_called(void)
{
}

static void signals(pid_t pid)
{
    pid_t tid = syscall(SYS_gettid);
    struct kernel_sigaction sa, old;
    memset(&sa, 0, sizeof sa);

    /* rt_sigaction: glibc's sigaction (a handler, SA_RESTORER), then raw ones */
    struct sigaction libc_sa;
    memset(&libc_sa, 0, sizeof libc_sa);
    libc_sa.sa_handler = on_signal;
    sigaddset(&libc_sa.sa_mask, SIGTERM);
    libc_sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &libc_sa, NULL);
    sa.handler = SIG_IGN;
    syscall(SYS_rt_sigaction, SIGPIPE, &sa, &old, SS);
    sa.handler = SIG_DFL;
    syscall(SYS_rt_sigaction, SIGPIPE, &sa, &old, SS);
    sa.handler = (void *)never_called;
    sa.flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP | SA_NOCLDWAIT;
    sa.mask = ~0ULL;
    syscall(SYS_rt_sigaction, SIGCHLD, &sa, NULL, SS);
    syscall(SYS_rt_sigaction, SIGCHLD, NULL, &old, SS);
    sa.mask = (1ULL << (SIGINT - 1)) | (1ULL << (SIGRTMIN + 1)) | (1ULL << 63);
    sa.flags = SA_RESTART | 0x200;
    syscall(SYS_rt_sigaction, SIGRTMIN + 2, &sa, &old, SS);
    syscall(SYS_rt_sigaction, SIGRTMIN + 2, NULL, &old, SS);
    sa.handler = (void *)-1; /* SIG_ERR, for a signal never sent */
    sa.flags = SA_INTERRUPT | 0xc00;
    sa.mask = 0;
    syscall(SYS_rt_sigaction, SIGRTMIN + 2, &sa, &old, SS);
    sa.flags = 0xc00;
    syscall(SYS_rt_sigaction, SIGRTMIN + 2, &sa, &old, SS);
    sa.handler = (void *)never_called;
    syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, SS); /* EINVAL */
    syscall(SYS_rt_sigaction, SIGCHLD, NULL, NULL, SS);
    syscall(SYS_rt_sigaction, SIGCHLD, BAD, NULL, SS); /* EFAULT */
    syscall(SYS_rt_sigaction, SIGCHLD, NULL, BAD, SS); /* EFAULT */
    syscall(SYS_rt_sigaction, SIGCHLD, &sa, &old, 4); /* EINVAL */
    syscall(SYS_rt_sigaction, 99, &sa, &old, SS); /* EINVAL */

    /* rt_sigprocmask */
    uint64_t set = (1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGUSR1 - 1)), was;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &was, SS);
    syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, SS);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, &was, SS);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &was, SS);
    syscall(SYS_rt_sigprocmask, 7, &set, NULL, SS); /* EINVAL */
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, SS); /* EFAULT */
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16); /* EINVAL */

    /* USR1 and USR2 are blocked: send both, see them pending */
    syscall(SYS_kill, pid, 0);
    syscall(SYS_kill, pid, SIGUSR1);
    syscall(SYS_tgkill, pid, tid, SIGUSR2);
    uint64_t pending;
    syscall(SYS_rt_sigpending, &pending, SS);
    syscall(SYS_rt_sigpending, BAD, SS);
    syscall(SYS_rt_sigpending, &pending, 16); /* EINVAL */
    syscall(SYS_rt_sigpending, &pending, 2);

    /* rt_sigtimedwait: USR2 is pending, then nothing is (EAGAIN) */
    uint64_t usr2 = 1ULL << (SIGUSR2 - 1);
    siginfo_t info;
    struct timespec zero = {0, 0}, second = {1, 0};
    syscall(SYS_rt_sigtimedwait, &usr2, &info, &second, SS);
    syscall(SYS_rt_sigtimedwait, &usr2, &info, &zero, SS);
    syscall(SYS_tkill, tid, SIGUSR2);
    syscall(SYS_rt_sigtimedwait, &usr2, NULL, NULL, SS);
    memset(&info, 0, sizeof info);
    info.si_code = SI_QUEUE;
    info.si_value.sival_int = 42;
    syscall(SYS_rt_sigqueueinfo, pid, SIGUSR2, &info); /* si_signo 0: strace shows {} */
    syscall(SYS_rt_sigtimedwait, &usr2, &info, &zero, SS);
    info.si_signo = SIGUSR2;
    info.si_pid = pid;
    info.si_value.sival_ptr = (void *)0x1234;
    syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGUSR2, &info);
    syscall(SYS_rt_sigtimedwait, &usr2, &info, NULL, SS);
    syscall(SYS_rt_sigqueueinfo, pid, SIGUSR2, BAD); /* EFAULT */
    syscall(SYS_rt_sigtimedwait, &usr2, BAD, &zero, SS);
    syscall(SYS_rt_sigtimedwait, BAD, &info, &zero, SS);

    /* rt_sigsuspend: USR1 is pending and blocked; unblocking it ends the wait at once */
    uint64_t none = 0;
    syscall(SYS_rt_sigsuspend, &none, SS);
    syscall(SYS_rt_sigsuspend, &none, 4); /* EINVAL */

    /* sigaltstack */
    static char stack[65536];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0}, oss;
    syscall(SYS_sigaltstack, &ss, &oss);
    syscall(SYS_sigaltstack, NULL, &oss);
    ss.ss_flags = (int)(1U << 31); /* SS_AUTODISARM */
    syscall(SYS_sigaltstack, &ss, NULL);
    ss.ss_flags = SS_ONSTACK;
    syscall(SYS_sigaltstack, &ss, &oss);
    ss.ss_size = 1024;
    syscall(SYS_sigaltstack, &ss, NULL); /* ENOMEM */
    ss.ss_flags = 0x10;
    syscall(SYS_sigaltstack, &ss, NULL); /* EINVAL */
    syscall(SYS_sigaltstack, BAD, NULL); /* EFAULT */
    ss.ss_flags = SS_DISABLE;
    syscall(SYS_sigaltstack, &ss, &oss);

    /* kill and friends that fail */
    syscall(SYS_kill, pid, 99); /* EINVAL */
    syscall(SYS_kill, 0x7ffffff0, 0); /* ESRCH */
    syscall(SYS_tkill, tid, 0);
    syscall(SYS_tgkill, pid, tid, 0);
    syscall(SYS_tgkill, pid, -5, SIGUSR2); /* EINVAL */

    /* pidfds */
    int pidfd = syscall(SYS_pidfd_open, pid, 0);
    int pidfd2 = syscall(SYS_pidfd_open, pid, PIDFD_NONBLOCK);
    syscall(SYS_pidfd_open, pid, 3); /* EINVAL */
    syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR2;
    info.si_code = SI_QUEUE;
    info.si_pid = pid;
    syscall(SYS_pidfd_send_signal, pidfd, SIGUSR2, &info, 0);
    syscall(SYS_pidfd_send_signal, pidfd, SIGUSR2, NULL, 8); /* EINVAL */
    syscall(SYS_rt_sigtimedwait, &usr2, &info, &zero, SS);
    int copy = syscall(SYS_pidfd_getfd, pidfd, 1, 0);
    syscall(SYS_pidfd_getfd, pidfd, 77, 0); /* EBADF */
    syscall(SYS_pidfd_getfd, pidfd, 1, 1); /* EINVAL */
    syscall(SYS_close, copy);
    syscall(SYS_close, pidfd2);
    syscall(SYS_close, pidfd);

    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, SS);
}

int main(void)
{
    pid_t pid = syscall(SYS_getpid);
    memory(pid);
    signals(pid);
    return 0;
}
