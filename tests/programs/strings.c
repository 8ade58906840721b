/* String rendering: a 52-byte text write (longer than strace's default
 * -s 32), a short one, and 16 bytes of binary with quotes, backslash,
 * controls, NUL and high bytes, all written to /dev/null. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
    static const char text[] = "The quick brown fox jumps over the lazy dog, twice!\n";
    static const char bin[] = "a\"b\\c\t\n\r\001\177\200\377\0zz";
    int fd = open("/dev/null", O_WRONLY);
    write(fd, text, sizeof text - 1);
    write(fd, "short\n", 6);
    write(fd, bin, 16);
    close(fd);
    return 0;
}
