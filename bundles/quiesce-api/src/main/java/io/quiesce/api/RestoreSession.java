package io.quiesce.api;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One restart of saved processes on one host. Called in protocol order: {@link #restore()} rebuilds every process
 * stopped, fabrics then reconnect and refill through the frozen processes, and {@link #release()} lets them all run
 * at once. If anything fails before release, {@link #close()} kills what was rebuilt: nothing half-restored is left
 * running.
 */
@ConsumerType
public interface RestoreSession extends AutoCloseable {

    /**
     * Rebuilds every saved process, stopped.
     *
     * @return the rebuilt processes, still stopped
     * @throws CheckpointException when the image cannot be restored; the message names the file and cause
     */
    List<FrozenProcess> restore() throws CheckpointException;

    /**
     * Lets every rebuilt process run.
     *
     * @return the PIDs of the running processes, root first
     * @throws CheckpointException when a process could not be released
     */
    List<Long> release() throws CheckpointException;

    /**
     * What the user should know about this restart, e.g. that PIDs could not be restored exactly. Read after
     * {@link #release()}.
     *
     * @return the warnings; never null; the default has none
     */
    default List<String> warnings() {
        return List.of();
    }

    /** Ends the session; kills rebuilt processes unless {@link #release()} succeeded. Never throws. */
    @Override
    void close();
}
