/* procself00: what UCX does to reach a peer's descriptor: names its own /proc directory by the PID getpid() returns. Every tick it prints "tick=N pid=P", after checking that /proc/self names P and that /proc/P/status is its own (its Pid: line says P and its PPid: line says getppid()); else it prints MISMATCH. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long status_field(pid_t pid, const char *key)
{
    char path[64], line[256];
    long v = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = strtol(line + strlen(key), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (long tick = 1;; tick++) {
        pid_t pid = getpid();
        char self[32] = "";
        ssize_t n = readlink("/proc/self", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        if (atol(self) != pid || status_field(pid, "Pid:") != pid || status_field(pid, "PPid:") != getppid())
            printf("MISMATCH pid=%d /proc/self=%s status Pid=%ld PPid=%ld ppid=%d\n", (int)pid, self, status_field(pid, "Pid:"),
                   status_field(pid, "PPid:"), (int)getppid());
        printf("tick=%ld pid=%d\n", tick, (int)pid);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
}
