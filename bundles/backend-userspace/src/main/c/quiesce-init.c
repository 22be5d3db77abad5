/* quiesce-init: runs a job in its own PID and IPC namespaces (and user namespace when unprivileged) so that a
 * restart can give every process its PID (and every SysV segment its shmid) back, with a /proc of that PID
 * namespace where it may mount one.
 *
 *   quiesce-init run -- CMD ARGS...   launch: CMD runs as PID 2 of a new namespace
 *   quiesce-init restore              restart: PID 2 is an empty process waiting in pause(2), for the engine to rebuild
 *   quiesce-init probe                exits 0 when the namespaces can be made here (PID 2 exits at once)
 *
 * Three processes: this one (the "outer" init, the platform's child, outside the namespace) unshares and forks the
 * namespace's PID 1 (the "inner" init), which forks PID 2. The outer init forwards the usual job-control and
 * termination signals to PID 1, which forwards them to PID 2. PID 1 reaps every orphan of the namespace; when PID 2
 * ends, PID 1 ends with its status (the kernel then kills what is left in the namespace) and the outer init ends
 * with the same status, so the platform sees the job's own exit status. Built static with glibc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t forward_to;
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT, SIGTSTP };

static void forward(int sig)
{
    if (forward_to > 0)
        kill(forward_to, sig);
}

static void set_forwarding(void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        fprintf(stderr, "quiesce-init: cannot write %s: %s\n", path, strerror(errno));
        _exit(125);
    }
    close(fd);
}

/* waits for `pid`, reaping every other child meanwhile; returns its wait status */
static int wait_for(pid_t pid)
{
    for (;;) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        if (r == pid)
            return st;
        if (r < 0 && errno != EINTR)
            return 127 << 8;
    }
}

/* ends this process the way the status says the child ended */
static void exit_like(int st)
{
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 127);
}

/* Gives the namespace a /proc of its own, where the job's processes have the PIDs getpid() returns: programs that
 * name their own or a peer's /proc directory by PID (UCX's shared memory opens /proc/PID/fd/N of its peer) would
 * otherwise reach an unrelated host process. Done in PID 1, whose PID namespace the new /proc shows, in a mount
 * namespace of its own whose mounts are slaves of the host's (mounts made outside still show, and ours never
 * propagate out: the proc mount is made only once the slave mode is set). Where either is refused (an unprivileged
 * user under a /proc with masked entries, as in containers) the job keeps the host's /proc, as before. */
static void own_proc(void)
{
    if (unshare(CLONE_NEWNS) < 0)
        return;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return;
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

int main(int argc, char **argv)
{
    int restore = argc >= 2 && strcmp(argv[1], "restore") == 0;
    int probe = argc >= 2 && strcmp(argv[1], "probe") == 0;
    if (!restore && !probe && (argc < 4 || strcmp(argv[1], "run") != 0 || strcmp(argv[2], "--") != 0)) {
        fprintf(stderr, "usage: quiesce-init run -- CMD [ARGS...] | quiesce-init restore | quiesce-init probe\n");
        return 125;
    }
    uid_t uid = geteuid();
    gid_t gid = getegid();
    /* an IPC namespace of its own too: the job's SysV segments are then its alone, and a restore can give them their
     * shmids back through /proc/sys/kernel/shm_next_id, which the namespace's owner may write */
    int flags = CLONE_NEWPID | CLONE_NEWIPC | (uid != 0 ? CLONE_NEWUSER : 0);
    if (unshare(flags) < 0) {
        fprintf(stderr, "quiesce-init: unshare: %s\n", strerror(errno));
        return 125;
    }
    if (uid != 0) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
        write_file("/proc/self/gid_map", map);
    }
    /* PID 1 cannot end by a signal of its own (the kernel drops signals it has no handler for), so it reports the
     * job's raw wait status through this pipe and the outer init ends the same way */
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) < 0) {
        fprintf(stderr, "quiesce-init: pipe2: %s\n", strerror(errno));
        return 125;
    }
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &all, NULL); /* no forwarded signal may be lost between fork and handler set-up */
    pid_t inner = fork();
    if (inner < 0) {
        fprintf(stderr, "quiesce-init: fork: %s\n", strerror(errno));
        return 125;
    }
    if (inner > 0) {
        close(status_pipe[1]);
        forward_to = inner;
        set_forwarding(forward);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int st = wait_for(inner);
        int job_st;
        ssize_t n;
        while ((n = read(status_pipe[0], &job_st, sizeof job_st)) < 0 && errno == EINTR) {
        }
        exit_like(n == sizeof job_st ? job_st : st);
    }
    close(status_pipe[0]);
    own_proc();
    /* PID 1 of the namespace: it ends (and the kernel kills the whole namespace) when the outer init ends, so a
     * platform that kills its root does not leave the job running unseen */
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* (the outer init waits for us, so it cannot end before this line unless killed) */
    pid_t job = fork();
    if (job < 0)
        _exit(125);
    if (job == 0) {
        set_forwarding(SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (probe)
            _exit(0);
        if (restore) {
            for (;;)
                syscall(SYS_pause); /* the engine seizes this process here and rebuilds the saved PID 2 in it */
        }
        execvp(argv[3], argv + 3);
        fprintf(stderr, "quiesce-init: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    forward_to = job;
    set_forwarding(forward);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int st = wait_for(job);
    if (write(status_pipe[1], &st, sizeof st) != sizeof st) {
        /* the outer init then goes by PID 1's own exit status */
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}
