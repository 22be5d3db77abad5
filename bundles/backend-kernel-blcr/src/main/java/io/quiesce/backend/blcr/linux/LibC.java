package io.quiesce.backend.blcr.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/**
 * The glibc calls this bundle needs: descriptors for context files (BLCR writes to a descriptor, and Java does not
 * expose one), signals, waitpid, and posix_spawn to start {@code cr_restart} without the JDK's reaper thread.
 * Errors are -1 with errno in {@link Native#getLastError()}, except posix_spawn*, which return the error number.
 */
public interface LibC extends Library {
    /** The loaded C library. */
    LibC INSTANCE = Native.load("c", LibC.class);

    /** open(2) flags (x86_64). */
    int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200, O_APPEND = 02000, O_DIRECTORY = 0200000,
            O_CLOEXEC = 02000000;
    /** Signals (x86_64). */
    int SIGKILL = 9, SIGCONT = 18, SIGSTOP = 19;
    /** waitpid(2) option: return 0 at once when the child has not changed state. */
    int WNOHANG = 1;
    /** posix_spawnattr flags (glibc). */
    short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    /** Sizes of opaque glibc types, rounded up generously (x86_64: 80, 336 and 128 bytes). */
    int FILE_ACTIONS_SIZE = 256, SPAWNATTR_SIZE = 512, SIGSET_SIZE = 128;

    /** @return a descriptor, or -1 with errno */
    int open(String path, int flags, int mode);

    /** @return 0, or -1 with errno */
    int close(int fd);

    /** @return 0, or -1 with errno (EIO, ENOSPC: the data is not safely on disk) */
    int fsync(int fd);

    /** Frees memory libc (or libcr) allocated with malloc. */
    void free(Pointer p);

    /** @return 0, or -1 with errno */
    int kill(int pid, int sig);

    /** @return the PID, 0 with WNOHANG when nothing changed, or -1 with errno */
    int waitpid(int pid, int[] status, int options);

    /** @return 0 or an error number */
    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, StringArray argv, StringArray envp);

    /** @return 0 or an error number */
    int posix_spawn_file_actions_init(Pointer fileActions);

    /** @return 0 or an error number */
    int posix_spawn_file_actions_destroy(Pointer fileActions);

    /** @return 0 or an error number */
    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int oflag, int mode);

    /** @return 0 or an error number */
    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    /** glibc ≥ 2.34: closes every descriptor from {@code from} up in the child. @return 0 or an error number */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    /** glibc ≥ 2.29: chdir in the child before exec. @return 0 or an error number */
    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    /** @return 0 or an error number */
    int posix_spawnattr_init(Pointer attr);

    /** @return 0 or an error number */
    int posix_spawnattr_destroy(Pointer attr);

    /** @return 0 or an error number */
    int posix_spawnattr_setflags(Pointer attr, short flags);

    /** @return 0 or an error number */
    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    /** @return 0 or an error number */
    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    /** @return 0, or -1 with errno */
    int sigemptyset(Pointer set);

    /** @return 0, or -1 with errno */
    int sigfillset(Pointer set);

    /**
     * @param size bytes
     * @return a zeroed native buffer
     */
    static Memory buffer(int size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }
}
