package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
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
