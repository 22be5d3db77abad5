/* libcr_double.c: a test double of BLCR's libcr.so.0 (same soname, same ABI as blcr_abi.h) for the Java tests.
 * No kernel module is involved: every call appends one line describing its arguments to the file named by
 * BLCR_DOUBLE_LOG, and environment variables read at call time steer the outcome:
 *   BLCR_DOUBLE_INIT_ERRNO=N     cri_init_checkpoint_args_t fails with errno N
 *   BLCR_DOUBLE_REQUEST_ERRNO=N  cr_request_checkpoint fails with errno N (nothing written)
 *   BLCR_DOUBLE_RESULT=ok        (default) the checkpoint succeeds: a context is written to cr_fd and cr_signal is
 *                                sent to cr_target, as the kernel does after a checkpoint
 *   BLCR_DOUBLE_RESULT=pending   the checkpoint never finishes: poll sleeps for its timeout and returns 0
 *   BLCR_DOUBLE_RESULT=N         the checkpoint fails at reap with errno N, after writing half a context
 *   BLCR_DOUBLE_KMSG=text        kernel messages returned through cr_poll_checkpoint_msg's msg_p
 *   BLCR_DOUBLE_LOGFAIL=1        cr_poll_checkpoint_msg returns CR_POLL_CHKPT_ERR_LOG without reaping */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blcr_abi.h"

#define DOUBLE_HANDLE 4242UL

static struct {
    int target, fd, signal, pending;
} current = { 0, -1, 0, 0 };

static void record(const char *fmt, ...) {
    const char *path = getenv("BLCR_DOUBLE_LOG");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static int env_int(const char *name, int dflt) {
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static void write_all(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

int cri_init_checkpoint_args_t(cr_version_t version, cr_checkpoint_args_t *args) {
    record("cri_init_checkpoint_args_t version=%d", version);
    int e = env_int("BLCR_DOUBLE_INIT_ERRNO", 0);
    if (e) { errno = e; return -1; }
    if (version != CR_CHECKPOINT_ARGS_VERSION) { errno = EINVAL; return -1; }
    /* libcr's defaults, so the Java side sees them before it fills the structure */
    args->cr_version = version;
    args->cr_scope = (cr_scope_t)-1;
    args->cr_target = 0;
    args->cr_fd = -1;
    args->cr_signal = 0;
    args->cr_timeout = 0;
    args->cr_flags = 0;
    return 0;
}

int cr_request_checkpoint(cr_checkpoint_args_t *args, cr_checkpoint_handle_t *handle) {
    char link[64], path[PATH_MAX] = "?";
    struct stat st;
    snprintf(link, sizeof link, "/proc/self/fd/%d", args->cr_fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n >= 0) path[n] = '\0';
    int mode = fstat(args->cr_fd, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
    int fl = fcntl(args->cr_fd, F_GETFL);
    int fdfl = fcntl(args->cr_fd, F_GETFD);
    record("cr_request_checkpoint version=%d scope=%d target=%d fd=%d signal=%d timeout=%u flags=0x%x "
           "fdpath=%s fdmode=%o accmode=%d cloexec=%d",
           args->cr_version, (int)args->cr_scope, (int)args->cr_target, args->cr_fd, args->cr_signal,
           args->cr_timeout, args->cr_flags, path, mode, fl < 0 ? -1 : (fl & O_ACCMODE), fdfl < 0 ? -1 : (fdfl & FD_CLOEXEC));
    int e = env_int("BLCR_DOUBLE_REQUEST_ERRNO", 0);
    if (e) { errno = e; return -1; }
    if (args->cr_version != CR_CHECKPOINT_ARGS_VERSION || fl < 0) { errno = fl < 0 ? EBADF : EINVAL; return -1; }
    current.target = args->cr_target;
    current.fd = args->cr_fd;
    current.signal = args->cr_signal;
    current.pending = 0;
    *handle = DOUBLE_HANDLE;
    return 0;
}

static int finish(void) {
    const char *result = getenv("BLCR_DOUBLE_RESULT");
    char line[256];
    if (result == NULL || strcmp(result, "ok") == 0) {
        snprintf(line, sizeof line, "BLCR-DOUBLE-CONTEXT v1\ntarget=%d signal=%d\n", current.target, current.signal);
        write_all(current.fd, line);
        if (current.signal) kill(current.target, current.signal);
        return 0;
    }
    write_all(current.fd, "BLCR-DOUBLE-PARTIAL");
    return atoi(result);
}

int cr_poll_checkpoint_msg(cr_checkpoint_handle_t *handle, struct timeval *timeout, char **msg_p) {
    if (timeout)
        record("cr_poll_checkpoint_msg handle=%lu timeout=%ld.%06ld msg_p=%s", *handle, (long)timeout->tv_sec,
               (long)timeout->tv_usec, msg_p ? "set" : "null");
    else
        record("cr_poll_checkpoint_msg handle=%lu timeout=null msg_p=%s", *handle, msg_p ? "set" : "null");
    if (*handle != DOUBLE_HANDLE) { errno = EBADF; return CR_POLL_CHKPT_ERR_PRE; }
    const char *result = getenv("BLCR_DOUBLE_RESULT");
    if (result && strcmp(result, "pending") == 0) {
        long us = timeout ? timeout->tv_sec * 1000000L + timeout->tv_usec : 10000000L;
        if (us > 10000000L) us = 10000000L;
        usleep((useconds_t)us);
        current.pending = 1;
        return 0;
    }
    if (env_int("BLCR_DOUBLE_LOGFAIL", 0)) { errno = EFAULT; return CR_POLL_CHKPT_ERR_LOG; }
    const char *kmsg = getenv("BLCR_DOUBLE_KMSG");
    if (msg_p && kmsg && *kmsg) *msg_p = strdup(kmsg);
    int e = finish();
    *handle = (cr_checkpoint_handle_t)-1;
    if (e) { errno = e; return CR_POLL_CHKPT_ERR_POST; }
    return 1;
}

int cr_reap_checkpoint(cr_checkpoint_handle_t *handle) {
    record("cr_reap_checkpoint handle=%lu", *handle);
    if (*handle != DOUBLE_HANDLE) { errno = EBADF; return -1; }
    *handle = (cr_checkpoint_handle_t)-1;
    if (current.pending) { errno = EAGAIN; return -1; }
    int e = finish();
    if (e) { errno = e; return -1; }
    return 1;
}

const char *cr_strerror(int errnum) {
    static const char *names[] = { "CR_ETEMPFAIL", "CR_EPERMFAIL", "CR_ENOSUPPORT", "CR_EVERSION", "CR_EOMITTED",
        "CR_EBADARCH", "CR_EPTRACED", "CR_EPTRACER", "CR_ERSTRTABRT", "CR_ERESTARTED", "CR_ENOTCB", "CR_ENOINIT" };
    static char text[64];
    record("cr_strerror %d", errnum);
    if (errnum <= CR_MIN_ERRCODE || errnum >= CR_MAX_ERRCODE) return strerror(errnum);
    snprintf(text, sizeof text, "double says %s", names[errnum - CR_MIN_ERRCODE - 1]);
    return text;
}
