/* rseq00: moves itself between CPUs 0 and 1 and checks that glibc's registered rseq area reports the CPU the kernel says it runs on; a restore that does not re-register rseq leaves cpu_id stale. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (__rseq_size == 0) {
        printf("NO RSEQ\n");
        return 4;
    }
    volatile struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
    for (long tick = 1;; tick++) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(tick % 2, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) {
            printf("NO AFFINITY\n");
            return 4;
        }
        unsigned cpu = 0;
        syscall(SYS_getcpu, &cpu, NULL, NULL);
        if (rs->cpu_id != cpu) {
            printf("RSEQ MISMATCH rseq_cpu=%u sys_cpu=%u tick=%ld\n", rs->cpu_id, cpu, tick);
            return 3;
        }
        printf("tick=%ld pid=%d cpu=%u\n", tick, getpid(), cpu);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
