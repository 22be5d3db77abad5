package io.quiesce.api;

/** The operation or resource is not supported (yet) by this plug-in; the message names it. */
public class NotSupportedException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /** @param message what is not supported and by whom */
    public NotSupportedException(String message) {
        super(message);
    }
}
