package io.quiesce.api;

/** No job, checkpoint or process matches what the user named. */
public class NoSuchJobException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /** @param message what was looked for */
    public NoSuchJobException(String message) {
        super(message);
    }
}
