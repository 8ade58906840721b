/* Symbolization fixture (C): write(2) and getpid(2) behind helpers. emit and greet are
 * always_inline, so even -O0 builds the chain emit <- greet <- main; finish is a plain static
 * inline that only -O2 folds in (emit <- finish <- greet <- main); worker stays a real call. */
#include <string.h>
#include <unistd.h>

static inline __attribute__((always_inline)) long emit(const char *s)
{
    return write(1, s, strlen(s)); /* syscall: write */
}

static inline long finish(long n)
{
    return n + emit("\n");
}

static inline __attribute__((always_inline)) long greet(const char *who)
{
    long n = emit("hello, ");
    n += emit(who);
    return finish(n);
}

__attribute__((noinline)) static long worker(int k)
{
    long total = 0;
    for (int i = 0; i < k; i++)
        total += getpid() & 1; /* syscall: getpid */
    return total + greet("worker");
}

int main(int argc, char **argv)
{
    long n = greet(argc > 1 ? argv[1] : "world");
    n += worker(argc + 1);
    return n > 0 ? 0 : 1;
}
