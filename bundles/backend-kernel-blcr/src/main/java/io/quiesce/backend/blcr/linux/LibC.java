package io.quiesce.backend.blcr.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The glibc calls this bundle needs: descriptors for context files (BLCR writes to a descriptor, and Java does not
 * expose one), signals and waitpid. {@code cr_restart} is started through the shared spawner ({@code io.quiesce.process}).
 * Errors are -1 with errno in {@link Native#getLastError()}.
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
