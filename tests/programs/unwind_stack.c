/* Stacks for the unwinder tests: each mode ends in one getppid() (the syscall the tests stop at)
   from a different kind of stack, then exits. argv[1] picks the mode:
     calls    main -> outer -> middle -> inner -> getppid          (plain nested calls)
     qsort    main -> qsort (libc) -> compare -> getppid           (frames of a shared library)
     signal   raise(SIGUSR1) -> handler -> getppid                  (crossing glibc's signal frame)
     altstack the same handler on a sigaltstack                     (a signal frame on another stack)
     rawsig   a handler whose restorer has no CFI                   (the trampoline recognised by its bytes)
     deep     200 nested calls, then getppid                        (deeper than the unwinder's limit)
     corrupt  the caller frames overwritten with garbage first      (a corrupt stack)            */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

volatile int sink;

NOINLINE void inner(void) { sink += getppid(); }
NOINLINE void middle(void) { inner(); sink++; }
NOINLINE void outer(void) { middle(); sink++; }

NOINLINE int compare(const void *a, const void *b) {
    static int once;
    if (!once++)
        sink += getppid();
    return *(const int *)a - *(const int *)b;
}

NOINLINE void handler(int sig) { sink += sig + getppid(); }

NOINLINE int recurse(int n) {
    if (n == 0)
        return getppid();
    return recurse(n - 1) + 1;
}

NOINLINE void corrupt(void) {
    volatile unsigned long *frame = __builtin_frame_address(0);
    for (int i = 0; i < 48; i++)  /* saved frame pointer, return address and the callers' frames */
        frame[i] = 0x4141414141414141UL + 8 * (unsigned long)i;
    sink += getppid();
    syscall(SYS_exit_group, 0);  /* returning would jump into the garbage */
}

/* A restorer of our own without CFI: mov $15,%rax; syscall (after a nop, as glibc does, so the
   byte before it belongs to no function). */
void raw_restorer(void);
__asm__(".text\n nop\n .globl raw_restorer\n raw_restorer:\n mov $15, %rax\n syscall\n");

struct kernel_sigaction { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask; };

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "calls";
    if (!strcmp(mode, "calls")) {
        outer();
    } else if (!strcmp(mode, "qsort")) {
        int v[] = {3, 1, 2};
        qsort(v, 3, sizeof v[0], compare);
    } else if (!strcmp(mode, "signal") || !strcmp(mode, "altstack")) {
        struct sigaction sa = {.sa_handler = handler};
        if (mode[0] == 'a') {
            stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
            sigaltstack(&ss, NULL);
            sa.sa_flags = SA_ONSTACK;
        }
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
    } else if (!strcmp(mode, "rawsig")) {
        struct kernel_sigaction ksa = {handler, 0x04000000 /* SA_RESTORER */, raw_restorer, 0};
        syscall(SYS_rt_sigaction, SIGUSR2, &ksa, NULL, 8);
        syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    } else if (!strcmp(mode, "deep")) {
        sink += recurse(200);
    } else if (!strcmp(mode, "corrupt")) {
        corrupt();
    }
    return 0;
}
