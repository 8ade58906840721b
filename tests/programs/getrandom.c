/* getrandom twice (flags 0 and GRND_NONBLOCK): its output bytes differ on
 * every run, which the fidelity harness must normalize. */
#include <sys/random.h>

int main(void)
{
    unsigned char buf[16];
    getrandom(buf, sizeof buf, 0);
    getrandom(buf, 8, GRND_NONBLOCK);
    return buf[0] == 0 && buf[1] == 0 && buf[2] == 0 ? 1 : 0;
}
