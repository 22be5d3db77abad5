/* signalfd00: a non-blocking close-on-exec signalfd for SIGUSR2 and SIGRTMIN (both blocked), with a queued SIGRTMIN carrying a value pending at the checkpoint; each SIGUSR1 reads the pending one, raises SIGUSR2 and reads it, then requeues the SIGRTMIN. */
#define _GNU_SOURCE
#define NAME "signalfd"
#include "usr1.h"
#include <fcntl.h>
#include <sys/signalfd.h>

static int sfd;

static int check(void)
{
    struct signalfd_siginfo si;
    if (!(fcntl(sfd, F_GETFL) & O_NONBLOCK) || !(fcntl(sfd, F_GETFD) & FD_CLOEXEC))
        FAIL("flags");
    if (read(sfd, &si, sizeof si) != sizeof si || si.ssi_signo != (unsigned)SIGRTMIN || si.ssi_int != 42)
        FAIL("pending SIGRTMIN not read (signo %u int %d)", si.ssi_signo, si.ssi_int);
    kill(getpid(), SIGUSR2);
    if (read(sfd, &si, sizeof si) != sizeof si || si.ssi_signo != SIGUSR2)
        FAIL("SIGUSR2 not read (signo %u)", si.ssi_signo);
    if (read(sfd, &si, sizeof si) != -1 || errno != EAGAIN)
        FAIL("more signals than sent");
    union sigval val = { .sival_int = 42 };
    sigqueue(getpid(), SIGRTMIN, val);
    return 0;
}

int main(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &m, NULL);
    sfd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0)
        return 2;
    union sigval val = { .sival_int = 42 };
    sigqueue(getpid(), SIGRTMIN, val);
    check_loop();
}
