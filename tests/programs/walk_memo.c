/* Two callers of one leaf with frames of the same size, called from one call site: at the
 * leaf's getppid the pc and the stack pointer are the same from either caller, and only the
 * return addresses (and saved frame pointers) on the stack tell them apart. The unwinder's
 * remembered walks must tell them apart too. */
#include <unistd.h>

__attribute__((noinline)) static long leaf(long x) {
    return getppid() + x;
}

__attribute__((noinline)) long from_a(long x) {
    volatile long pad[4] = {x, 1, 2, 3};
    return leaf(pad[0]) + 1;
}

__attribute__((noinline)) long from_b(long x) {
    volatile long pad[4] = {x, 1, 2, 3};
    return leaf(pad[0]) + 2;
}

int main(void) {
    long (*const callers[2])(long) = {from_a, from_b};
    long n = 0;
    for (int i = 0; i < 6; i++)
        n += callers[i % 2](i);
    return n == 0;
}
