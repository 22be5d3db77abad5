/* inotify00 DIR [deep]: watches DIR (IN_CREATE, wd 1), DIR/a (IN_MODIFY, wd 2) and DIR/c (wd 4: wd 3 on DIR/b was removed), with "deep" also DIR/s/t/u (wd 5: a path the process names nowhere), with an event left unread at the checkpoint; each SIGUSR1 drains the queue, then creates and modifies files and checks that each event comes with its watch's number. */
#define _GNU_SOURCE
#define NAME "inotify"
#include "usr1.h"
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>

static int in, wda, wdc, wdd;
static const char *dir;
static long round_no;

static int touch(const char *name, int flags)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | flags, 0600);
    if (fd < 0)
        return -1;
    write(fd, "x", 1);
    return close(fd);
}

static int check(void)
{
    char buf[4096] __attribute__((aligned(8)));
    while (read(in, buf, sizeof buf) > 0) {
    }
    char name[64];
    snprintf(name, sizeof name, "new-%d-%ld", getpid(), ++round_no);
    touch(name, O_CREAT);
    touch("a", 0);
    touch("c", 0);
    int seen = 0;
    ssize_t n = read(in, buf, sizeof buf);
    for (char *q = buf; n > 0 && q < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)q;
        if (e->wd == wdd && (e->mask & IN_CREATE) && e->len && strcmp(e->name, name) == 0)
            seen |= 1;
        else if (e->wd == wda && (e->mask & IN_MODIFY))
            seen |= 2;
        else if (e->wd == wdc && (e->mask & IN_MODIFY))
            seen |= 4;
        else if (e->wd != wdd)
            FAIL("event for wd %d mask 0x%x", e->wd, e->mask);
        q += sizeof *e + e->len;
    }
    if (seen != 7)
        FAIL("events seen 0x%x of 0x7 (n=%zd)", seen, n);
    snprintf(name, sizeof name, "unread-%d-%ld", getpid(), round_no); /* an event left in the queue again */
    touch(name, O_CREAT);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    dir = argv[1];
    in = inotify_init1(IN_NONBLOCK);
    touch("a", O_CREAT);
    touch("b", O_CREAT);
    touch("c", O_CREAT);
    char path[PATH_MAX];
    wdd = inotify_add_watch(in, dir, IN_CREATE);
    snprintf(path, sizeof path, "%s/a", dir);
    wda = inotify_add_watch(in, path, IN_MODIFY);
    snprintf(path, sizeof path, "%s/b", dir);
    int wdb = inotify_add_watch(in, path, IN_MODIFY);
    inotify_rm_watch(in, wdb);
    snprintf(path, sizeof path, "%s/c", dir);
    wdc = inotify_add_watch(in, path, IN_MODIFY);
    if (wdd != 1 || wda != 2 || wdc != 4)
        return 3;
    if (argc > 2 && strcmp(argv[2], "deep") == 0) {
        snprintf(path, sizeof path, "%s/s", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof path, "%s/s/t", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof path, "%s/s/t/u", dir);
        close(open(path, O_CREAT | O_WRONLY, 0600));
        if (inotify_add_watch(in, path, IN_MODIFY) != 5)
            return 3;
    }
    touch("unread", O_CREAT); /* left in the queue */
    check_loop();
}
