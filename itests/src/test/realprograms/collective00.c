/* collective00: MPI_Allreduce in a loop on K ranks (mpirun -n K): in iteration i rank r contributes a vector of N longs
 * v[j] = (i+1)*(r+1)*31 + j*(r+7) + i*i and every rank checks every element of the sum against the closed form, and the
 * MPI_MAX of the iteration counter against i. Rank 0 waits DELAY_US per iteration, prints "allreduce iter=I" every
 * ITERS/100 iterations and at the end "allreduce ok iters=I ranks=K" (exit 0), or "allreduce MISMATCH ..." (exit 3).
 * Usage: mpirun -n K collective00 ITERS [N [DELAY_US]]   (N default 1024, DELAY_US default 0) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, k;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &k);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        if (rank == 0) fprintf(stderr, "usage: mpirun -n K collective00 ITERS [N [DELAY_US]]\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long iters = atol(argv[1]);
    int n = argc > 2 ? atoi(argv[2]) : 1024;
    long delay = argc > 3 ? atol(argv[3]) : 0;
    long every = iters / 100 > 0 ? iters / 100 : 1;
    long *v = malloc(sizeof(long) * (size_t)n), *sum = malloc(sizeof(long) * (size_t)n);
    long bad = 0;
    long rs = (long)k * (k + 1) / 2; /* sum of r+1 over the ranks */
    long r7 = (long)k * (k - 1) / 2 + 7L * k; /* sum of r+7 */
    if (rank == 0) printf("allreduce start ranks=%d iters=%ld n=%d pid=%d\n", k, iters, n, (int)getpid());
    for (long i = 0; i < iters; i++) {
        for (int j = 0; j < n; j++) v[j] = (i + 1) * (rank + 1) * 31 + (long)j * (rank + 7) + i * i;
        MPI_Allreduce(v, sum, n, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
        for (int j = 0; j < n; j++) {
            long want = (i + 1) * rs * 31 + (long)j * r7 + (long)k * i * i;
            if (sum[j] != want) {
                if (bad++ < 5) printf("allreduce MISMATCH rank=%d iter=%ld j=%d got %ld want %ld\n", rank, i, j, sum[j], want);
            }
        }
        long mine = i, max;
        MPI_Allreduce(&mine, &max, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
        if (max != i && bad++ < 5) printf("allreduce MISMATCH rank=%d iter=%ld max=%ld\n", rank, i, max);
        if (rank == 0 && i % every == 0) printf("allreduce iter=%ld\n", i);
        if (rank == 0 && delay > 0) usleep((useconds_t)delay);
    }
    long total;
    MPI_Reduce(&bad, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    int status = 0;
    if (rank == 0) {
        if (total == 0) printf("allreduce ok iters=%ld ranks=%d\n", iters, k);
        else { printf("allreduce MISMATCH %ld bad\n", total); status = 3; }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
