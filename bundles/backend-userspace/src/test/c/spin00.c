/* spin00: a pure user-space loop (no syscall for ~50 ms at a time) keeping its state in SSE registers, so a freeze lands outside any syscall: injection must patch a syscall at rip, and xstate must come back exactly. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    double acc = 0;      /* kept in an xmm register by -O2 */
    long n = 0;
    for (long tick = 1;; tick++) {
        for (long i = 0; i < 60000000; i++) {
            acc += 0.5;
            n++;
            __asm__ volatile("" : "+x"(acc), "+r"(n)); /* keep both in registers, opaque to the optimiser */
            if (acc != (double)n * 0.5) {
                printf("XSTATE MISMATCH acc=%f n=%ld\n", acc, n);
                return 3;
            }
        }
        printf("tick=%ld pid=%d n=%ld\n", tick, getpid(), n);
    }
}
