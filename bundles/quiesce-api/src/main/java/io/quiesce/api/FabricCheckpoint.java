package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/** The network part of one checkpoint on one host; called in the order of its methods, then closed. */
@ConsumerType
public interface FabricCheckpoint extends AutoCloseable {

    /**
     * Lists the endpoints of the frozen processes that this fabric handles.
     *
     * @return the endpoints with their addresses, so the coordinator can pair them into channels
     * @throws CheckpointException when the endpoints cannot be read
     */
    List<Endpoint> discover() throws CheckpointException;

    /**
     * Empties the channels: after this, no byte of an intra-job channel is in flight.
     *
     * @param channels every channel with an end on this host, paired by the coordinator; external ones have no
     *                 second end
     * @throws CheckpointException when a channel cannot be drained; the checkpoint is then aborted
     */
    void drain(List<Channel> channels) throws CheckpointException;

    /**
     * Second half of drain, for channels between hosts: called on every host once every host's {@link #drain}
     * returned. A host's drain returns once nothing its own ends sent is unacknowledged (every byte is in the other
     * host's receive queue, or taken from it by that host's drain), and keeps taking what arrives on its ends until
     * settle: a receiver whose queue was full must keep reading until the sender's queue is empty. After settle, no
     * byte of a channel between hosts is in flight. The default does nothing (a fabric without such channels). Since
     * 1.4, as are {@link #taken} and {@link #sendAgain}.
     *
     * @throws CheckpointException when the channels cannot be settled
     */
    default void settle() throws CheckpointException {
    }

    /**
     * @return after {@link #settle}, the bytes taken from this host's ends of channels between hosts, by channel ID:
     *         the coordinator hands each to the host of the channel's other end ({@link #sendAgain}), which saves
     *         them and sends them again; empty by default
     */
    default Map<String, byte[]> taken() {
        return Map.of();
    }

    /**
     * Takes the bytes another host's drain took from the receiving ends of this host's channels: they are saved with
     * this host's part and sent again from this host's end, on resume and at restart, before anything else. May be
     * called several times (large queues come in pieces): the bytes of one channel are appended in order.
     *
     * @param bytes by channel ID; IDs of channels this fabric does not hold are ignored (another fabric's)
     * @throws CheckpointException when the bytes cannot be kept (too many for one channel)
     */
    default void sendAgain(Map<String, byte[]> bytes) throws CheckpointException {
    }

    /**
     * Writes what was drained and each endpoint's options into the staging folder (files 0600).
     *
     * @param stagingFolder this host's part of the checkpoint's staging folder, where the backend wrote its files
     * @return the files written, relative to the folder
     * @throws CheckpointException when writing fails
     */
    List<String> save(Path stagingFolder) throws CheckpointException;

    /**
     * Puts back what drain consumed and the options it changed, so the running job sees its streams unchanged.
     * Called before the backend resumes the processes, also when the checkpoint is aborted.
     *
     * @throws CheckpointException when the channels could not be put back
     */
    void resume() throws CheckpointException;

    /**
     * @return what the user should know about this checkpoint's channels (external connections, a strategy that
     *         differs from the usual one), reported with the checkpoint's result; the default has none
     */
    default List<String> warnings() {
        return List.of();
    }

    /** Releases the session. Never throws. */
    @Override
    void close();
}
