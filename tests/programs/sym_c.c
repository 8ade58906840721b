/* Symbolization fixture (C): write(2) and getpid(2) behind helpers. At -O2 the static inline
 * helpers fold into their callers, giving a three-level inline chain (emit <- greet <- main);
 * emit is always_inline so -O0 builds one too; worker stays a real call at every level. */
#include <string.h>
#include <unistd.h>

static inline __attribute__((always_inline)) long emit(const char *s)
{
    return write(1, s, strlen(s)); /* syscall: write */
}

static inline long greet(const char *who)
{
    long n = emit("hello, ");
    n += emit(who);
    return n + emit("\n");
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
