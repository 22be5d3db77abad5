package io.quiesce.api;

import org.osgi.annotation.versioning.ConsumerType;

/** The network part of one restart on one host; called in the order of its methods, then closed. */
@ConsumerType
public interface FabricRestore extends AutoCloseable {

    /**
     * Before any host reconnects: the ends that accept a channel between hosts listen and publish where, through
     * the restart's {@link Rendezvous}; the coordinator passes what every host published to every other before
     * {@link #reconnect} (since 1.4). The default does nothing (a fabric without such channels).
     *
     * @throws CheckpointException when an end cannot listen; names it
     */
    default void listen() throws CheckpointException {
    }

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

    /**
     * @return what the user should know about this host's rebuilt channels (e.g. an address replaced on a host
     *         that restores another's part); read after {@link #refill}. The default has nothing (since 1.5).
     */
    default java.util.List<String> warnings() {
        return java.util.List.of();
    }

    /** Releases the session. Never throws. */
    @Override
    void close();
}
