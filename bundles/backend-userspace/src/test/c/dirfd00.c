/* dirfd00: a directory descriptor read part way with getdents64 (DIR holds 40 files), an O_PATH descriptor of DIR/f1 and a close-on-exec O_PATH|O_DIRECTORY one of DIR; each SIGUSR1 checks the position (the rest of the listing completes the first part, nothing twice), rewinds to it, and uses the O_PATH descriptors with fstat and openat. */
#define _GNU_SOURCE
#define NAME "dirfd"
#include "usr1.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FILES 40
static int d, opath, opathdir;
static off_t pos;
static char seen_first[FILES + 1];
static const char *dir;

/* marks the f<N> names of one getdents64 batch into `mark`; @return entries read, -1 on a repeat */
static int batch(char *mark, size_t len)
{
    char buf[1024] __attribute__((aligned(8)));
    long n = syscall(SYS_getdents64, d, buf, len < sizeof buf ? len : sizeof buf);
    int count = 0;
    for (long off = 0; off < n;) {
        struct dirent64 *e = (struct dirent64 *)(buf + off);
        if (e->d_name[0] == 'f') {
            int i = atoi(e->d_name + 1);
            if (i < 1 || i > FILES || mark[i])
                return -1;
            mark[i] = 1;
        }
        count++;
        off += e->d_reclen;
    }
    return n < 0 ? -1 : count;
}

static int check(void)
{
    if (lseek(d, 0, SEEK_CUR) != pos)
        FAIL("position %lld, not %lld", (long long)lseek(d, 0, SEEK_CUR), (long long)pos);
    char mark[FILES + 1];
    memcpy(mark, seen_first, sizeof mark);
    int r;
    while ((r = batch(mark, 1024)) > 0) {
    }
    if (r < 0)
        FAIL("an entry came twice");
    for (int i = 1; i <= FILES; i++)
        if (!mark[i])
            FAIL("f%d missing", i);
    lseek(d, pos, SEEK_SET);
    struct stat a, b;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/f1", dir);
    if (fstatat(opath, "", &a, AT_EMPTY_PATH) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino)
        FAIL("O_PATH descriptor is not f1");
    if (!(fcntl(opath, F_GETFL) & O_PATH) || !(fcntl(opathdir, F_GETFL) & O_PATH) || !(fcntl(opathdir, F_GETFD) & FD_CLOEXEC))
        FAIL("O_PATH flags");
    int f2 = openat(opathdir, "f2", O_RDONLY);
    if (f2 < 0)
        FAIL("openat through the O_PATH directory: errno %d", errno);
    close(f2);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    dir = argv[1];
    char path[PATH_MAX];
    for (int i = 1; i <= FILES; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0600));
    }
    d = open(dir, O_RDONLY | O_DIRECTORY);
    snprintf(path, sizeof path, "%s/f1", dir);
    opath = open(path, O_PATH);
    opathdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (d < 0 || opath < 0 || opathdir < 0 || batch(seen_first, 200) <= 0)
        return 2;
    pos = lseek(d, 0, SEEK_CUR);
    check_loop();
}
