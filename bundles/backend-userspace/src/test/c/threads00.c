/* threads00: a main thread and one worker thread in nanosleep loops, the main one printing both tick counts; both must go on after a checkpoint (continue or restart). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile long worker_ticks;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
        worker_ticks++;
    }
    return NULL;
}

int main(void)
{
    pthread_t t;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_create(&t, NULL, worker, NULL);
    for (long n = 1;; n++) {
        printf("n=%ld pid=%d worker=%ld\n", n, getpid(), worker_ticks);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
