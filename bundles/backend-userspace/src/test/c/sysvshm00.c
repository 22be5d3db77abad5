/* sysvshm00: System V shared memory: a keyed segment (mode 0640) attached read-write by a parent and its forked child (each sees the other's counter) and once more read-only in the child, and a segment marked IPC_RMID while attached; key, mode, attachment count, SHM_DEST and contents checked every tick through the id each attachment shows in maps; prints whether the shmids are the ones it saved. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

static unsigned char pattern(int page, int i) { return (unsigned char)(page * 13 + i * 5 + 7); }

static void fail(const char *who, const char *what)
{
    printf("%s MISMATCH %s (errno %d)\n", who, what, errno);
    exit(3);
}

/* the shmid maps shows for the attachment at addr (its inode), or -1 */
static int id_at(const void *addr)
{
    char line[512];
    int id = -1;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long start;
        unsigned long inode;
        char path[256] = "";
        if (sscanf(line, "%lx-%*x %*s %*s %*s %lu %255s", &start, &inode, path) >= 2 && start == (unsigned long)addr
            && strncmp(path, "/SYSV", 5) == 0)
            id = (int)inode;
    }
    if (f)
        fclose(f);
    return id;
}

static void run(const char *who, key_t key, int saved_a, int saved_b, volatile long *a, const volatile long *a_ro,
                const unsigned char *b, int nattch)
{
    volatile long *mine = who[0] == 'p' ? &a[0] : &a[1];
    volatile long *other = who[0] == 'p' ? &a[1] : &a[0];
    long local = *mine;
    for (;;) {
        if (*mine != local)
            fail(who, "own counter");
        *mine = ++local;
        if (a_ro != NULL && a_ro[1] != local)
            fail(who, "read-only attachment");
        int ida = id_at((const void *)a), idb = id_at(b);
        struct shmid_ds ds;
        if (ida < 0 || shmctl(ida, IPC_STAT, &ds) != 0)
            fail(who, "IPC_STAT of the keyed segment");
        if (ds.shm_perm.__key != key || (ds.shm_perm.mode & 0777) != 0640 || ds.shm_segsz != 3 * PG || (int)ds.shm_nattch != nattch)
            fail(who, "key, mode, size or attachments");
        if (shmget(key, 0, 0) != ida)
            fail(who, "lookup by key");
        if (idb < 0 || shmctl(idb, IPC_STAT, &ds) != 0 || !(ds.shm_perm.mode & SHM_DEST))
            fail(who, "the removed segment is no longer marked SHM_DEST");
        for (int i = 0; i < 2 * PG; i++)
            if (b[i] != pattern(i / PG, i % PG))
                fail(who, "contents of the removed segment");
        printf("%s n=%ld other=%ld ids=%s pid=%d\n", who, local, *other, ida == saved_a && idb == saved_b ? "same" : "changed",
               getpid());
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    key_t key = 0x51000000 | (getpid() & 0xffffff); /* unique per run: tests may run side by side in one namespace */
    int ida = shmget(key, 3 * PG, IPC_CREAT | IPC_EXCL | 0640);
    int idb = shmget(IPC_PRIVATE, 2 * PG, IPC_CREAT | 0600);
    if (ida < 0 || idb < 0)
        return 2;
    volatile long *a = shmat(ida, NULL, 0);
    unsigned char *b = shmat(idb, NULL, 0);
    if (a == (void *)-1 || b == (void *)-1)
        return 2;
    for (int i = 0; i < 2 * PG; i++)
        b[i] = pattern(i / PG, i % PG);
    if (shmctl(idb, IPC_RMID, NULL) != 0)
        return 2;
    printf("ids a=%d b=%d key=0x%x\n", ida, idb, key);
    pid_t c = fork(); /* the child inherits both attachments */
    if (c == 0) {
        const volatile long *ro = shmat(ida, NULL, SHM_RDONLY);
        if (ro == (void *)-1)
            fail("child", "shmat read-only");
        run("child", key, ida, idb, a, ro, b, 3);
    }
    struct shmid_ds ds;
    for (int tries = 0; shmctl(ida, IPC_STAT, &ds) == 0 && ds.shm_nattch != 3 && tries < 5000; tries++)
        usleep(1000); /* until the child has its read-only attachment */
    printf("parent child=%d\n", c);
    run("parent", key, ida, idb, a, NULL, b, 3);
    return 0;
}
