/* randmem: fills N MiB with incompressible (xorshift) data, ticks a counter into OUTFILE, and on SIGUSR1 re-derives
 * the data from its seed and checks every word ("verify ok"/"VERIFY MISMATCH"), so a benchmark can prove a restored
 * image is intact. Usage: randmem OUTFILE MIB */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t verify_requested;

static void on_usr1(int sig) { (void)sig; verify_requested = 1; }

static uint64_t next(uint64_t *s) {
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: randmem OUTFILE MIB\n"); return 2; }
    FILE *out = fopen(argv[1], "a");
    if (!out) { perror(argv[1]); return 2; }
    size_t words = (size_t)atol(argv[2]) * 1024 * 1024 / 8;
    uint64_t *mem = malloc(words * 8);
    if (!mem) { perror("malloc"); return 2; }
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < words; i++) mem[i] = next(&seed);
    signal(SIGUSR1, on_usr1);
    fprintf(out, "ready pid=%d words=%zu\n", getpid(), words);
    fflush(out);
    for (long tick = 1;; tick++) {
        if (verify_requested) {
            verify_requested = 0;
            uint64_t s = 0x9E3779B97F4A7C15ull;
            size_t bad = 0;
            for (size_t i = 0; i < words; i++) bad += mem[i] != next(&s);
            fprintf(out, bad ? "VERIFY MISMATCH %zu words pid=%d\n" : "verify ok pid=%d\n", bad ? bad : (size_t)getpid(), getpid());
            fflush(out);
        }
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
