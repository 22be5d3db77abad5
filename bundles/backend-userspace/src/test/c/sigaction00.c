/* sigaction00: a SIGUSR1 handler with SA_RESTART and a blocked SIGUSR2; prints the handler count and whether SIGUSR2 is still blocked and pending, so a restore must keep both. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;

static void on_usr1(int sig) { (void)sig; usr1++; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long n = 1;; n++) {
        sigset_t cur, pend;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        sigpending(&pend);
        struct sigaction now;
        sigaction(SIGUSR1, NULL, &now);
        int handler_ok = now.sa_handler == on_usr1 && (now.sa_flags & SA_RESTART) && sigismember(&now.sa_mask, SIGTERM);
        printf("n=%ld pid=%d usr1=%d usr2_blocked=%d usr2_pending=%d handler_ok=%d\n", n, getpid(), (int)usr1,
               sigismember(&cur, SIGUSR2), sigismember(&pend, SIGUSR2), handler_ok);
        if (!handler_ok)
            return 3;
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
