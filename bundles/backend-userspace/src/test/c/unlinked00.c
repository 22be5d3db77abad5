/* unlinked00: a file deleted while open, held by two descriptors with their own offsets and mapped shared and private; every tick appends a record through one descriptor and checks it through pread and the shared mapping, reads on through the other descriptor, and checks the private copy-on-write page and that the file stays deleted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
#define SIZE (3 * PG)
#define FIRST 100
#define READ_AT 5000
/* records cycle through the first page and the second descriptor through the rest, so the program runs for ever
   without reaching the page whose private copy it checks */
#define SLOTS ((PG - FIRST) / 8)
#define READS (SIZE - READ_AT)

static unsigned char pattern(long i) { return (unsigned char)(i * 7 + 3); }

#define FAIL(...) do { printf("MISMATCH " __VA_ARGS__); printf("\n"); exit(3); } while (0)

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0640);
    unsigned char buf[SIZE];
    for (long i = 0; i < SIZE; i++)
        buf[i] = pattern(i);
    if (fd < 0 || write(fd, buf, SIZE) != SIZE)
        return 2;
    int rd = open(argv[1], O_RDONLY);
    unsigned char *shared = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *priv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (rd < 0 || shared == MAP_FAILED || priv == MAP_FAILED)
        return 2;
    memset(priv + 2 * PG, 0xEE, PG);
    lseek(fd, FIRST, SEEK_SET);
    lseek(rd, READ_AT, SEEK_SET);
    if (unlink(argv[1]) != 0)
        return 2;
    for (long n = 1;; n++) {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_nlink != 0 || (st.st_mode & 0777) != 0640)
            FAIL("fstat: nlink %ld mode %o", (long)st.st_nlink, st.st_mode & 0777);
        long pos = lseek(fd, 0, SEEK_CUR);
        long slot = (n - 1) % SLOTS;
        if (pos != FIRST + slot * 8)
            FAIL("offset %ld != %ld", pos, FIRST + slot * 8);
        if (n > 1) {
            long at = FIRST + ((n - 2) % SLOTS) * 8;
            long prev = 0;
            if (pread(fd, &prev, 8, at) != 8 || prev != n - 1)
                FAIL("record %ld read back as %ld", n - 1, prev);
            memcpy(&prev, shared + at, 8);
            if (prev != n - 1)
                FAIL("record %ld seen through the shared mapping as %ld", n - 1, prev);
        }
        if (write(fd, &n, 8) != 8)
            FAIL("write");
        if (slot == SLOTS - 1)
            lseek(fd, FIRST, SEEK_SET);
        unsigned char c;
        long rpos = lseek(rd, 0, SEEK_CUR);
        if (rpos != READ_AT + (n - 1) % READS || read(rd, &c, 1) != 1 || c != pattern(rpos))
            FAIL("second descriptor at %ld read %d", rpos, c);
        if (rpos == SIZE - 1)
            lseek(rd, READ_AT, SEEK_SET);
        for (int i = 0; i < PG; i++)
            if (priv[2 * PG + i] != 0xEE || priv[PG + i] != pattern(PG + i))
                FAIL("private mapping byte %d", i);
        printf("tick=%ld pos=%ld pid=%d\n", n, pos + 8, getpid());
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
