/* For the latency analyses (--anomaly-threshold, --anomaly-realtime, --summary-interval):
 * `latency COUNT LONG_MS` makes COUNT short nanosleep(1 us) calls, then one nanosleep of
 * LONG_MS milliseconds (the anomaly, or an idle stretch for the periodic tables), then
 * exits 0. Nothing else but the C runtime's start-up calls. */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 60;
    long long_ms = argc > 2 ? atol(argv[2]) : 50;
    struct timespec brief = {0, 1000};
    for (int i = 0; i < count; i++)
        nanosleep(&brief, NULL);
    struct timespec pause = {long_ms / 1000, (long_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    return 0;
}
