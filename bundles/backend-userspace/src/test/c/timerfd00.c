/* timerfd00: timerfds of every shape: periodic 50 ms (monotonic, non-blocking), one hour relative (boottime), absolute realtime deadline, an expired one-shot whose expiration is unread, a disarmed one; each SIGUSR1 checks what is left and that expirations still come, and puts the unread one back. */
#define _GNU_SOURCE
#define NAME "timerfd"
#include "usr1.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>

static int periodic, hour, abs_rt, unread, off;
static time_t deadline;

static int expire_1ns(void)
{
    struct itimerspec it = { { 0, 0 }, { 0, 1 } };
    if (timerfd_settime(unread, 0, &it, NULL) < 0)
        return -1;
    struct pollfd p = { unread, POLLIN, 0 };
    return poll(&p, 1, 5000) == 1 ? 0 : -1;
}

static int check(void)
{
    struct itimerspec it;
    uint64_t ticks;
    timerfd_gettime(periodic, &it);
    if (it.it_interval.tv_sec != 0 || it.it_interval.tv_nsec != 50000000)
        FAIL("periodic interval %ld.%09ld", (long)it.it_interval.tv_sec, it.it_interval.tv_nsec);
    struct pollfd p = { periodic, POLLIN, 0 };
    if (poll(&p, 1, 2000) != 1 || read(periodic, &ticks, 8) != 8 || ticks < 1)
        FAIL("periodic timer does not expire");
    if (!(fcntl(periodic, F_GETFL) & O_NONBLOCK))
        FAIL("periodic lost O_NONBLOCK");
    timerfd_gettime(hour, &it);
    if (it.it_value.tv_sec < 3000 || it.it_value.tv_sec > 3600)
        FAIL("hour timer has %ld s left", (long)it.it_value.tv_sec);
    timerfd_gettime(abs_rt, &it);
    long left = (long)(deadline - time(NULL));
    if (it.it_value.tv_sec < left - 2 || it.it_value.tv_sec > left + 1)
        FAIL("absolute timer has %ld s left, deadline is in %ld s", (long)it.it_value.tv_sec, left);
    if (read(unread, &ticks, 8) != 8 || ticks != 1)
        FAIL("unread expiration lost");
    timerfd_gettime(off, &it);
    if (it.it_value.tv_sec || it.it_value.tv_nsec || it.it_interval.tv_sec || it.it_interval.tv_nsec)
        FAIL("disarmed timer is armed");
    return expire_1ns() < 0 ? (printf("timerfd MISMATCH re-expire\n"), 1) : 0;
}

int main(void)
{
    periodic = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    hour = timerfd_create(CLOCK_BOOTTIME, 0);
    abs_rt = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    unread = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    off = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec per = { { 0, 50000000 }, { 0, 50000000 } }, h = { { 0, 0 }, { 3600, 0 } };
    deadline = time(NULL) + 7200;
    struct itimerspec a = { { 0, 0 }, { deadline, 0 } };
    if (timerfd_settime(periodic, 0, &per, NULL) < 0 || timerfd_settime(hour, 0, &h, NULL) < 0
        || timerfd_settime(abs_rt, TFD_TIMER_ABSTIME, &a, NULL) < 0 || expire_1ns() < 0)
        return 2;
    check_loop();
}
