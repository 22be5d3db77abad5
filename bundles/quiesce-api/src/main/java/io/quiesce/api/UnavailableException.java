package io.quiesce.api;

/** The chosen plug-in cannot work on this host; the message carries its availability reason. */
public class UnavailableException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /** @param message the plug-in's name and why it is unavailable */
    public UnavailableException(String message) {
        super(message);
    }
}
