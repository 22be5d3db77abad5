package io.quiesce.api;

/** A {@link CheckpointHook} refused a checkpoint; nothing was frozen. */
public class VetoException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /** @param reason why the checkpoint must not happen now */
    public VetoException(String reason) {
        super(reason);
    }
}
