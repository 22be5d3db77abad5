package io.quiesce.shell;

/**
 * A command failed; its message is shown to the user as is, without a stack trace.
 * Exit status 2 means the command was used wrongly, 1 that the operation failed.
 */
public class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The command line was wrong. */
    public static final int USAGE = 2;
    /** The operation failed. */
    public static final int FAILED = 1;

    private final int exitStatus;

    /**
     * @param exitStatus {@link #USAGE} or {@link #FAILED}
     * @param message    what went wrong
     */
    public CommandFailure(int exitStatus, String message) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    /** @return the exit status bin/quiesce ends with */
    public int exitStatus() {
        return exitStatus;
    }
}
