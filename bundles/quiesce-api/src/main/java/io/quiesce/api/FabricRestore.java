package io.quiesce.api;

import org.osgi.annotation.versioning.ConsumerType;

/** The network part of one restart on one host; called in the order of its methods, then closed. */
@ConsumerType
public interface FabricRestore extends AutoCloseable {

    /**
     * Recreates the saved channels between the rebuilt processes (listen, connect, put the ends at their
     * original descriptor numbers, restore options).
     *
     * @throws CheckpointException when a channel cannot be rebuilt (e.g. a port is taken); names it
     */
    void reconnect() throws CheckpointException;

    /**
     * Puts the drained bytes back in flight, in order, before any process runs.
     *
     * @throws CheckpointException when the bytes cannot be put back
     */
    void refill() throws CheckpointException;

    /** Releases the session. Never throws. */
    @Override
    void close();
}
