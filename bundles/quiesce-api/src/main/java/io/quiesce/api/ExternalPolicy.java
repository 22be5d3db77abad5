package io.quiesce.api;

/**
 * What a restart does with a connection whose peer was outside the job when the checkpoint was taken.
 */
public enum ExternalPolicy {
    /** Refuse the restart, naming the peer: the default, since the peer no longer knows this connection. */
    FAIL,
    /** Restore the descriptor as a closed connection: the application sees end-of-file or a reset, as after a network failure. */
    CLOSE,
    /** Connect again to the same peer address; the application's stream starts afresh on the peer's side. */
    RECONNECT;

    /**
     * @param text {@code fail}, {@code close} or {@code reconnect}, in any case
     * @return the policy
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ExternalPolicy parse(String text) {
        for (ExternalPolicy p : values()) {
            if (p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an external-connection policy (fail, close, reconnect)");
    }
}
