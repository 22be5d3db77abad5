package io.quiesce.backend.userspace.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The bundle's binding to glibc: ptrace, waitpid, kill and raw syscall (processes are started by {@code io.quiesce.process.Spawner}). Every native
 * declaration of this bundle lives in this package. The errno of the last call is read with
 * {@link Native#getLastError()}, which JNA preserves per thread.
 */
public interface LibC extends Library {
    /** The loaded C library. */
    LibC INSTANCE = Native.load("c", LibC.class);

    /** Signals used by the engine. */
    int SIGKILL = 9, SIGTRAP = 5, SIGSTOP = 19;
    /** waitpid(2) options: {@code __WALL} waits for clones too, which ptrace needs for every TID. */
    int WNOHANG = 1, WALL = 0x40000000;
    /** open(2) flags. */
    int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400,
            O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;

    /**
     * glibc's variadic {@code ptrace}; passing four longs matches its va_arg reads on x86_64. Buffers are passed
     * as their native address ({@code Pointer.nativeValue}).
     *
     * @return the result, or -1 with errno set
     */
    long ptrace(long request, long pid, long addr, long data);

    int waitpid(int pid, int[] status, int options);

    int kill(int pid, int sig);

    /** waitid(2) idtype and options: WNOWAIT leaves the child waitable, so peeking takes nothing from its reaper. */
    int P_PID = 1, WEXITED = 4, WNOWAIT = 0x01000000;

    /**
     * @param info a siginfo_t buffer (128 bytes): si_pid at 16 (0 when nothing is waitable), si_code at 8
     *             (CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3), si_status at 24
     * @return 0, or -1 with errno set
     */
    int waitid(int idtype, int id, Pointer info, int options);

    /** Raw syscall(2), for calls glibc does not wrap (get_robust_list). */
    long syscall(long number, long a1, long a2, long a3);

    /** Raw syscall(2) with five arguments (kcmp). */
    long syscall(long number, long a1, long a2, long a3, long a4, long a5);

    int close(int fd);

    /** O_NOFOLLOW: fail with ELOOP rather than follow a symbolic link in the last component. */
    int O_NOFOLLOW = 0400000;

    /** @return a descriptor, or -1 with errno set */
    int open(String path, int flags, int mode);

    /** ioctl(2) with an int argument (FICLONE takes the source descriptor). */
    int ioctl(int fd, long request, int arg);

    /** @return bytes read, or -1 with errno set */
    long read(int fd, byte[] buf, long count);

    /** @return bytes written, or -1 with errno set */
    long write(int fd, byte[] buf, long count);

    /** @return 0, with the read end in {@code fds[0]} and the write end in {@code fds[1]}, or -1 */
    int pipe2(int[] fds, int flags);

    /** poll(2) of {@code nfds} struct pollfd (int fd, short events, short revents) at {@code fds}. */
    int poll(com.sun.jna.Pointer fds, long nfds, int timeoutMs);

    short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10;

    /** glibc's variadic fcntl with one int argument (F_GETPIPE_SZ, F_SETPIPE_SZ). */
    int fcntl(int fd, int cmd, int arg);

    /** mkfifo(3): creates a named pipe with mode {@code mode & ~umask}. @return 0, or -1 with errno set */
    int mkfifo(String path, int mode);

    /** @return a zeroed native buffer of {@code size} bytes */
    static Memory buffer(long size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }
}
