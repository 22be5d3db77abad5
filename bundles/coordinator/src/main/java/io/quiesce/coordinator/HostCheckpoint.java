package io.quiesce.coordinator;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import java.util.List;

/**
 * One host's checkpoint, driven by the coordinator in phase order: {@link #freeze}, {@link #drain}, (between hosts: {@link #settle},
 * {@link #taken}, {@link #sendAgain}), {@link #dump},
 * then {@link #resume} or (after commit) {@link #kill}; on any failure anywhere, {@link #abort}. {@link #close()}
 * is always called last and leaves every process running unless {@link #kill()} succeeded.
 */
interface HostCheckpoint extends AutoCloseable {
    /** @return the agent's host */
    String host();

    /**
     * Phase <em>freeze</em>: stops every process of the job on this host and lists the endpoints the fabrics found.
     *
     * @return the endpoints, stamped with this host, for the coordinator to pair
     * @throws CheckpointException when a process cannot be frozen or its endpoints read
     */
    List<Endpoint> freeze() throws CheckpointException;

    /**
     * Phase <em>drain</em>: empties the channels with an end on this host.
     *
     * @param channels every channel with an end on this host, as the coordinator paired them
     * @throws CheckpointException when a channel cannot be drained
     */
    void drain(List<Channel> channels) throws CheckpointException;

    /**
     * Phase <em>settle</em>, once every host drained, only when the job has connections between hosts: this host
     * stops reading its ends of them and takes what is left (see {@link io.quiesce.api.FabricCheckpoint#settle}).
     *
     * @throws CheckpointException when they cannot be settled
     */
    void settle() throws CheckpointException;

    /** @return after {@link #settle}: the bytes this host took from its receiving ends, by channel ID */
    java.util.Map<String, byte[]> taken() throws CheckpointException;

    /**
     * Phase <em>hand-over</em>: the bytes other hosts took from the channels whose sending end is on this host, by
     * channel ID, to be saved and sent again from here; may come in several calls, appended in order.
     *
     * @throws CheckpointException when they cannot be taken
     */
    void sendAgain(java.util.Map<String, byte[]> bytes) throws CheckpointException;

    /**
     * Phase <em>dump</em>: writes this host's part into staging, durable on return (the host's vote).
     *
     * @return the part
     * @throws CheckpointException when the part cannot be written
     */
    HostPart dump() throws CheckpointException;

    /**
     * Phase <em>resume</em> of a job that continues: channels put back, processes running.
     *
     * @throws CheckpointException when a process could not be resumed
     */
    void resume() throws CheckpointException;

    /**
     * Phase <em>kill</em>, once the checkpoint is committed: the job's processes on this host end.
     *
     * @throws CheckpointException when a process could not be killed
     */
    void kill() throws CheckpointException;

    /**
     * After the coordinator committed the checkpoint: a part staged on another host is moved into place there (a
     * part in the coordinator's own staging folder moved with it). Never throws.
     *
     * @param manifest the committed manifest
     * @return null, or what the user should know when the host could not be told (it finishes at its next join)
     */
    default String committed(io.quiesce.api.image.Manifest manifest) {
        return null;
    }

    /** Aborts: puts channels back, resumes what is frozen, deletes the staged part. Never throws; logs what failed. */
    void abort();

    /** Releases the host's resources; any process still frozen is resumed. Never throws. */
    @Override
    void close();
}
