/* rowfile00: a database-like writer: a file opened O_RDWR (not append) gets one 16-byte row every PERIOD ms through its offset, and each round checks that the file holds exactly the rows this process wrote; prints "rows=N" to stdout, "MISMATCH" and exits 3 when the file is not what it wrote, exits 0 after LIMIT rows (0: never). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: rowfile00 FILE [PERIOD_MS] [LIMIT]\n");
        return 2;
    }
    long period = argc > 2 ? atol(argv[2]) : 10;
    long limit = argc > 3 ? atol(argv[3]) : 0;
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("open");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long rows = 0;;) {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size != rows * 16 || lseek(fd, 0, SEEK_CUR) != rows * 16) {
            printf("MISMATCH rows=%ld size=%lld\n", rows, (long long)st.st_size);
            return 3;
        }
        char row[32];
        snprintf(row, sizeof row, "row %011ld\n", rows);
        if (write(fd, row, 16) != 16) {
            perror("write");
            return 2;
        }
        rows++;
        printf("rows=%ld\n", rows);
        if (limit > 0 && rows >= limit)
            return 0;
        struct timespec ts = { period / 1000, (period % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
}
