/* shm00: MAP_SHARED|MAP_ANONYMOUS memory shared by a parent and its forked child (each sees the other's counter move), aliased in the parent by mremap, a page written only by a child that has exited, and a read-only shared page; all checked every tick, the exited child's page late. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
#define PAGES 8

struct shared {
    volatile long parent;
    volatile long child;
};

static unsigned char pattern(int page, int i) { return (unsigned char)(page * 17 + i * 3 + 1); }

static int check_page(const unsigned char *p, int page)
{
    for (int i = 0; i < PG; i++)
        if (p[i] != pattern(page, i))
            return 0;
    return 1;
}

static void nap(void)
{
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
}

/* bumps its own counter, checks the shared memory, prints what it sees of the other process */
static void run(const char *who, unsigned char *shm, unsigned char *alias, const unsigned char *ro, int late)
{
    struct shared *s = (struct shared *)shm;
    volatile long *mine = who[0] == 'p' ? &s->parent : &s->child;
    volatile long *other = who[0] == 'p' ? &s->child : &s->parent;
    long local = *mine;
    for (long tick = 1;; tick++) {
        if (*mine != local) {
            printf("%s MISMATCH own counter %ld != %ld\n", who, *mine, local);
            exit(3);
        }
        *mine = ++local;
        if (alias != NULL && ((struct shared *)alias)->parent != local) {
            printf("%s MISMATCH alias %ld != %ld\n", who, ((struct shared *)alias)->parent, local);
            exit(3);
        }
        if (!check_page(ro, 1) || !check_page(shm + PG, 1)) {
            printf("%s MISMATCH read-only or pattern page\n", who);
            exit(3);
        }
        if (late && local == late)
            printf("%s late %s\n", who, check_page(shm + 3 * PG, 3) ? "ok" : "MISMATCH");
        printf("%s n=%ld other=%ld pid=%d\n", who, local, *other, getpid());
        nap();
    }
}

int main(int argc, char **argv)
{
    int late = argc > 1 ? atoi(argv[1]) : 60;
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned char *shm = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned char *ro = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED || ro == MAP_FAILED)
        return 2;
    for (int i = 0; i < PG; i++) {
        shm[PG + i] = pattern(1, i);
        ro[PG + i] = pattern(1, i);
    }
    if (mprotect(ro, 2 * PG, PROT_READ) != 0)
        return 2;
    /* page 3 is written by a child that exits: no live process has it mapped in its page tables */
    pid_t w = fork();
    if (w == 0) {
        for (int i = 0; i < PG; i++)
            shm[3 * PG + i] = pattern(3, i);
        _exit(0);
    }
    waitpid(w, NULL, 0);
    /* a second mapping of the same memory in the parent */
    unsigned char *alias = mremap(shm, 0, PG, MREMAP_MAYMOVE);
    if (alias == MAP_FAILED)
        return 2;
    pid_t c = fork();
    if (c == 0)
        run("child", shm, NULL, ro + PG, late);
    printf("parent child=%d\n", c);
    run("parent", shm, alias, ro + PG, late);
    return 0;
}
