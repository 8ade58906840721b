/* Exits with status 3 (exit_group(3)) after one write, so a tracer must pass
 * the tracee's status through as its own. */
#include <unistd.h>

int main(void)
{
    write(1, "bye\n", 4);
    return 3;
}
