/* threads01: worker threads sharing a mutex and a condition variable, a thread blocked in read() on a pipe, one in nanosleep, one churning short-lived threads, a robust mutex whose owner ends when argv[1] appears (its waiter must get EOWNERDEAD), a signal sent to one thread that blocks it (taken when argv[1] appears), TLS and gettid() checked by every thread against values saved in memory; prints progress and any MISMATCH. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NT 9
static pid_t saved_tid[NT];
static __thread long tls_value;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn;
static volatile long pings, reads, sleeps, churn, mismatches;
static int pipefd[2];
static pthread_mutex_t robust;
static const char *flag;
static pthread_t th[NT];
static int owner_locked;

static void check(int i)
{
    if (syscall(SYS_gettid) != saved_tid[i] || tls_value != 1000 + i) {
        mismatches++;
        printf("MISMATCH thread %d tid %ld saved %d tls %ld\n", i, (long)syscall(SYS_gettid), saved_tid[i], tls_value);
    }
}

static void start(int i)
{
    saved_tid[i] = syscall(SYS_gettid);
    tls_value = 1000 + i;
}

static void *pinger(void *arg)
{
    int i = (int)(long)arg, me = i - 1; /* threads 1 and 2 take turns 0 and 1 */
    start(i);
    for (;;) {
        pthread_mutex_lock(&m);
        while (turn != me) {
            pthread_cond_wait(&c, &m);
        }
        turn = !me;
        pings++;
        pthread_cond_broadcast(&c);
        pthread_mutex_unlock(&m);
        check(i);
        struct timespec ts = { 0, 2 * 1000000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    return NULL;
}

static void *reader(void *arg)
{
    int i = (int)(long)arg;
    char b;
    start(i);
    for (;;) {
        ssize_t n = read(pipefd[0], &b, 1);
        if (n == 1) {
            reads++;
        } else if (!(n < 0 && errno == EINTR)) {
            printf("MISMATCH read %zd errno %d\n", n, errno);
        }
        check(i);
    }
    return NULL;
}

static void *sleeper(void *arg)
{
    int i = (int)(long)arg;
    start(i);
    for (;;) {
        struct timespec ts = { 0, 100 * 1000000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        sleeps++;
        check(i);
    }
    return NULL;
}

static void *short_lived(void *arg)
{
    tls_value = (long)arg;
    if (tls_value != (long)arg) {
        mismatches++;
    }
    return NULL;
}

static void *churner(void *arg)
{
    int i = (int)(long)arg;
    start(i);
    for (;;) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived, (void *)7L) == 0) {
            pthread_join(t, NULL);
            churn++;
        }
        check(i);
    }
    return NULL;
}

static void *robust_owner(void *arg)
{
    int i = (int)(long)arg;
    start(i);
    pthread_mutex_lock(&robust);
    __atomic_store_n(&owner_locked, 1, __ATOMIC_RELEASE);
    for (;;) {
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
        check(i);
        if (access(flag, F_OK) == 0) {
            printf("robust owner ends\n");
            return NULL; /* without unlocking: the kernel marks the mutex owner-dead */
        }
    }
}

static void *robust_waiter(void *arg)
{
    int i = (int)(long)arg;
    start(i);
    int rc = pthread_mutex_lock(&robust);
    check(i);
    printf("robust %s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : strerror(rc));
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&robust);
    }
    pthread_mutex_unlock(&robust);
    return NULL;
}

static void *signal_taker(void *arg)
{
    int i = (int)(long)arg;
    start(i);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    while (access(flag, F_OK) != 0) {
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
        check(i);
    }
    siginfo_t si;
    struct timespec wait = { 2, 0 };
    int sig = sigtimedwait(&set, &si, &wait);
    printf("thread signal %s sig=%d si_code=%d si_pid=%d errno=%d\n",
           sig == SIGUSR2 && si.si_pid == getpid() ? "ok" : "MISMATCH", sig, si.si_code, (int)si.si_pid, errno);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    flag = argc > 1 ? argv[1] : "/nonexistent";
    pipe(pipefd);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    start(0);
    sigset_t usr2; /* blocked from the start in every thread, so the signal for one waits in its queue */
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    void *(*fn[NT])(void *) = { NULL, pinger, pinger, reader, sleeper, churner, robust_owner, robust_waiter,
                                 signal_taker };
    for (int i = 1; i < NT; i++) {
        pthread_create(&th[i], NULL, fn[i], (void *)(long)i);
        while (i == 6 && !__atomic_load_n(&owner_locked, __ATOMIC_ACQUIRE)) { /* the owner locks first */
            struct timespec ts = { 0, 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    for (long n = 1;; n++) {
        write(pipefd[1], "x", 1);
        if (n == 2) {
            pthread_kill(th[8], SIGUSR2); /* blocked there: pending in that thread's own queue */
        }
        check(0);
        int alive = pthread_kill(th[4], 0); /* uses the TID glibc cached in the sleeper's descriptor */
        printf("n=%ld pid=%d pings=%ld reads=%ld sleeps=%ld churn=%ld mismatches=%ld kill=%d\n", n, getpid(), pings, reads,
               sleeps, churn, mismatches, alive);
        struct timespec ts = { 0, 50 * 1000000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}
