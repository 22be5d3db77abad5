/* usr1.h: the check loop of the event-descriptor scenarios: print "ready", then run check() at every SIGUSR1 and
 * print its verdict ("NAME ok n=N pid=P" or "NAME MISMATCH ..."), so a test can check the state before and after a
 * checkpoint without racing the program. check() must leave the state as it found it: a test may send more than one
 * SIGUSR1 per check it waits for. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { (void)s; usr1 = 1; }

#define FAIL(...) do { printf("%s MISMATCH ", NAME); printf(__VA_ARGS__); printf(" pid=%d\n", getpid()); return 1; } while (0)

static int check(void);

static void check_loop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t usr1_set, others;
    sigemptyset(&usr1_set);
    sigaddset(&usr1_set, SIGUSR1);
    printf("%s ready pid=%d\n", NAME, getpid());
    for (long n = 1;; ) {
        /* blocked outside sigsuspend, so none is lost between the test and the wait, and none interrupts check() */
        sigprocmask(SIG_BLOCK, &usr1_set, &others);
        sigdelset(&others, SIGUSR1);
        while (!usr1)
            sigsuspend(&others);
        usr1 = 0;
        if (check() == 0)
            printf("%s ok n=%ld pid=%d\n", NAME, n++, getpid());
    }
}
