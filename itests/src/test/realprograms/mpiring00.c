/* mpiring00: an MPI ring of K ranks (Open MPI or MPICH: mpirun -n K): a token of MSGSIZE bytes goes round HOPS times; hop h is sent by
 * rank h%K to rank (h+1)%K and carries a header (h, ~h ^ magic) and a payload derived from h, which its receiver checks
 * byte by byte, with the hops arriving in sequence. Rank 0 waits DELAY_US before each hop it sends (so a ring of a few
 * thousand hops runs a few seconds). Every EVERY hops (default HOPS/100) the receiving rank prints "hop N rank R"; at the end the ranks'
 * counts of received hops are summed on rank 0, which prints "ring figures ... hops_per_s=X" (MPI_Wtime from its first send)
 * and "ring ok hops=N" (exit 0), or "ring MISMATCH ..." (exit 3).
 * Usage: mpirun -n K mpiring00 HOPS [MSGSIZE [DELAY_US [EVERY]]]   (MSGSIZE >= 16, default 4096; DELAY_US default 0) */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC 0x51554945534345ull /* "QUIESCE" */
#define GOLD 0x9E3779B97F4A7C15ull

static void fill(unsigned char *buf, size_t size, uint64_t h)
{
    uint64_t hdr[2] = { h, ~h ^ MAGIC };
    memcpy(buf, hdr, sizeof hdr);
    uint64_t x = (h + 1) * GOLD;
    for (size_t i = 16; i < size; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, k;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &k);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || k < 2) {
        if (rank == 0) fprintf(stderr, "usage: mpirun -n K (K >= 2) mpiring00 HOPS [MSGSIZE [DELAY_US [EVERY]]]\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long hops = atol(argv[1]);
    size_t size = argc > 2 ? (size_t)atol(argv[2]) : 4096;
    long delay = argc > 3 ? atol(argv[3]) : 0;
    if (size < 16) size = 16;
    long every = argc > 4 ? atol(argv[4]) : hops / 100;
    if (every < 1) every = 1;
    unsigned char *in = malloc(size), *want = malloc(size), *out = malloc(size);
    int next = (rank + 1) % k, prev = (rank + k - 1) % k;
    if (rank == 0) printf("ring start ranks=%d hops=%ld size=%zu pid=%d\n", k, hops, size, (int)getpid());
    long got = 0, bad = 0;
    double t0 = MPI_Wtime();
    if (rank == 0 && hops > 0) {
        fill(out, size, 0);
        MPI_Send(out, (int)size, MPI_BYTE, next, 0, MPI_COMM_WORLD);
    }
    /* this rank receives every hop h with (h+1) % k == rank, in order */
    for (long h = (rank + k - 1) % k; h < hops; h += k) {
        MPI_Recv(in, (int)size, MPI_BYTE, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        fill(want, size, (uint64_t)h);
        if (memcmp(in, want, size) != 0) {
            uint64_t hdr[2];
            memcpy(hdr, in, sizeof hdr);
            printf("ring MISMATCH rank=%d expected hop %ld got header %llu\n", rank, h, (unsigned long long)hdr[0]);
            bad++;
        }
        got++;
        if (h % every == 0) printf("hop %ld rank %d\n", h, rank);
        if (h + 1 < hops) {
            if (rank == 0 && delay > 0) usleep((useconds_t)delay);
            fill(out, size, (uint64_t)h + 1);
            MPI_Send(out, (int)size, MPI_BYTE, next, 0, MPI_COMM_WORLD);
        }
    }
    long sums[2] = { got, bad }, total[2];
    MPI_Reduce(sums, total, 2, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    int status = 0;
    if (rank == 0) {
        double secs = MPI_Wtime() - t0; /* after the reduce, which waits for every rank: the whole ring's time */
        printf("ring figures ranks=%d hops=%ld size=%zu seconds=%.3f hops_per_s=%.0f\n", k, hops, size, secs, secs > 0 ? hops / secs : 0);
        if (total[0] == hops && total[1] == 0) {
            printf("ring ok hops=%ld\n", total[0]);
        } else {
            printf("ring MISMATCH hops=%ld of %ld, %ld bad\n", total[0], hops, total[1]);
            status = 3;
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
