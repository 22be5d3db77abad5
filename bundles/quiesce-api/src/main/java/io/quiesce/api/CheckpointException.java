package io.quiesce.api;

import java.nio.file.Path;

/**
 * A checkpoint, restart or launch failed. Carries what the user needs to act: the process, the kernel error name
 * and the file, when known. The message is complete on its own (no stack trace is shown to users).
 */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long pid;
    private final String errno;
    private final Path path;

    /** @param message what failed and why */
    public CheckpointException(String message) {
        this(message, -1, null, null, null);
    }

    /**
     * @param message what failed and why
     * @param cause   the underlying exception
     */
    public CheckpointException(String message, Throwable cause) {
        this(message, -1, null, null, cause);
    }

    /**
     * @param message what failed and why
     * @param pid     the process concerned, or -1
     * @param errno   the kernel error name ({@code "ESRCH"}), or null
     * @param path    the file concerned, or null
     * @param cause   the underlying exception, or null
     */
    public CheckpointException(String message, long pid, String errno, Path path, Throwable cause) {
        super(message, cause);
        this.pid = pid;
        this.errno = errno;
        this.path = path;
    }

    /** @return the process concerned, or -1 */
    public long pid() {
        return pid;
    }

    /** @return the kernel error name, or null */
    public String errno() {
        return errno;
    }

    /** @return the file concerned, or null */
    public Path path() {
        return path;
    }
}
