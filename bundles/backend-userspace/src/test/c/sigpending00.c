/* sigpending00: blocked signals queued before a checkpoint (SIGUSR1 by kill: process-wide; SIGUSR2 by tgkill: the thread's own; two SIGRTMIN+1 by sigqueue with values) stay pending in the right queues, and nothing else appears; once the round number written to the trigger file (argv[1]) reaches the current round they are unblocked and must arrive with their siginfo, in order; then the next round is armed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, usr2, rt, bad;
static volatile int rtval[4];
static pid_t armed_by;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (sig == SIGUSR1) {
        usr1++;
        if (si->si_code != SI_USER || si->si_pid != armed_by)
            bad = 1;
    } else if (sig == SIGUSR2) {
        usr2++;
        if (si->si_code != SI_TKILL || si->si_pid != armed_by)
            bad = 2;
    } else {
        if (si->si_code != SI_QUEUE || rt >= 4)
            bad = 3;
        else
            rtval[rt++] = si->si_value.sival_int;
    }
}

/* SigPnd (the thread's own queue) or ShdPnd (the process's) from /proc/self/status */
static unsigned long long pending_of(const char *key)
{
    char line[256];
    unsigned long long v = ~0ULL;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = strtoull(line + strlen(key), NULL, 16);
    if (f)
        fclose(f);
    return v;
}

static long trigger(const char *path)
{
    long r = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &r) != 1)
            r = 0;
        fclose(f);
    }
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int rt1 = SIGRTMIN + 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(rt1, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, rt1);
    const unsigned long long own = 1ULL << (SIGUSR2 - 1), shared = (1ULL << (SIGUSR1 - 1)) | (1ULL << (rt1 - 1));
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long round = 1, tick = 1;; tick++) {
        if (tick == 1 || usr1) {
            usr1 = usr2 = rt = bad = 0;
            sigprocmask(SIG_BLOCK, &set, NULL);
            armed_by = getpid();
            kill(armed_by, SIGUSR1);
            syscall(SYS_tgkill, armed_by, (pid_t)syscall(SYS_gettid), SIGUSR2);
            sigqueue(armed_by, rt1, (union sigval){ .sival_int = (int)round * 10 + 1 });
            sigqueue(armed_by, rt1, (union sigval){ .sival_int = (int)round * 10 + 2 });
        }
        unsigned long long sig_pnd = pending_of("SigPnd:"), shd_pnd = pending_of("ShdPnd:");
        printf("tick=%ld round=%ld pid=%d sigpnd=%llx shdpnd=%llx\n", tick, round, getpid(), sig_pnd, shd_pnd);
        if (sig_pnd != own || shd_pnd != shared)
            printf("MISMATCH round=%ld pending sigpnd=%llx shdpnd=%llx, expected %llx %llx\n", round, sig_pnd, shd_pnd, own, shared);
        if (trigger(argv[1]) >= round) {
            sigprocmask(SIG_UNBLOCK, &set, NULL); /* the three kinds are delivered here */
            if (usr1 == 1 && usr2 == 1 && rt == 2 && !bad && rtval[0] == round * 10 + 1 && rtval[1] == round * 10 + 2)
                printf("round=%ld delivered ok\n", round);
            else
                printf("MISMATCH round=%ld delivered usr1=%d usr2=%d rt=%d bad=%d values=%d,%d\n", round, (int)usr1, (int)usr2,
                       (int)rt, (int)bad, rtval[0], rtval[1]);
            round++;
        }
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
