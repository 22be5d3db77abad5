package io.quiesce.cluster;

import java.io.IOException;

/** A cluster link could not be made or was lost; the message says why, naming the peer. */
public class ClusterException extends IOException {
    private static final long serialVersionUID = 1L;

    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
