package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import java.util.List;

/**
 * One host part's restart, driven by the coordinator in phase order: {@link #restore}, {@link #listen}, {@link #reconnect},
 * {@link #refill}, then {@link #release} on every host at once. {@link #close()} is always called last and kills
 * what was rebuilt unless {@link #release()} succeeded: nothing half-restored runs.
 */
interface HostRestart extends AutoCloseable {
    /** @return the agent's host */
    String host();

    /**
     * Phase <em>restore</em>: rebuilds the part's processes, stopped.
     *
     * @throws CheckpointException when the part cannot be restored; names the file and cause
     */
    void restore() throws CheckpointException;

    /**
     * Phase <em>listen</em>: the ends that accept a channel between hosts listen and publish where.
     *
     * @return what this host published (channel ID, NUL, key → value), for the coordinator to pass to the others
     * @throws CheckpointException when an end cannot listen
     */
    java.util.Map<String, String> listen() throws CheckpointException;

    /**
     * Phase <em>reconnect</em>: fabrics rebuild the part's channels (new addresses through the rendezvous).
     *
     * @param published what every host published in {@link #listen}
     * @throws CheckpointException when a channel cannot be rebuilt
     */
    void reconnect(java.util.Map<String, String> published) throws CheckpointException;

    /**
     * Phase <em>refill</em>: drained bytes put back in flight, before any process runs.
     *
     * @throws CheckpointException when the bytes cannot be put back
     */
    void refill() throws CheckpointException;

    /**
     * Phase <em>release</em>: lets the rebuilt processes run.
     *
     * @return their PIDs, root first
     * @throws CheckpointException when a process could not be released
     */
    List<Long> release() throws CheckpointException;

    /** @return what the user should know about this part's restart; read after release */
    List<String> warnings();

    /** Ends the restart; kills rebuilt processes unless released. Never throws. */
    @Override
    void close();
}
