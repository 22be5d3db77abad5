/* fdshare00: parent and child write 16-byte records through one inherited descriptor of FILE (no O_APPEND), so they only stay apart through the shared file offset; each checks that none of its own records was overwritten (MISMATCH) and prints its count. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* counts the records of `who` in the file, read through a descriptor of its own */
static long count(const char *path, char who)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char rec[16];
    long c = 0;
    while (fread(rec, 1, sizeof rec, f) == sizeof rec)
        if (rec[0] == who && rec[15] == '\n')
            c++;
    fclose(f);
    return c;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t child = fork();
    if (child < 0)
        return 2;
    char who = child == 0 ? 'C' : 'P';
    if (child > 0)
        printf("parent child=%d\n", child);
    for (long n = 1;; n++) {
        char rec[17];
        snprintf(rec, sizeof rec, "%c%013ld%c\n", who, n, who);
        if (write(fd, rec, 16) != 16) {
            printf("%c write failed errno=%d\n", who, errno);
            return 3;
        }
        off_t pos = lseek(fd, 0, SEEK_CUR);
        long mine = count(argv[1], who);
        if (pos % 16 != 0 || mine != n) {
            printf("%c MISMATCH n=%ld mine=%ld pos=%ld\n", who, n, mine, (long)pos);
            return 3;
        }
        if (n % 5 == 0)
            printf("%c n=%ld pos=%ld pid=%d\n", who, n, (long)pos, getpid());
        nap(who == 'P' ? 7 : 11);
    }
}
