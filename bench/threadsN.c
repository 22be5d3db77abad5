/* threadsN: N threads (argv[2]) each sleeping in 10 ms nanosleep loops and counting; prints "ready" once all run, then a tick line per 50 ms to argv[1]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile long ticks;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
        __atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    FILE *out = fopen(argv[1], "w");
    int n = atoi(argv[2]);
    setvbuf(out, NULL, _IOLBF, 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (int i = 1; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &a, worker, NULL) != 0) {
            fprintf(out, "pthread_create failed at %d\n", i);
            return 1;
        }
    }
    fprintf(out, "ready threads=%d\n", n);
    for (long k = 1;; k++) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
        fprintf(out, "tick=%ld workers=%ld\n", k, ticks);
    }
}
