package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One checkpoint of one job on one host, as a backend carries it out. Called by the platform from one thread, in
 * protocol order: {@link #freeze()}, then {@link #dump(Path)}, then {@link #resume()} or {@link #kill()}; on any
 * failure {@link #resume()} (abort). {@link #close()} is always called last and must leave every process running
 * unless {@link #kill()} succeeded: a job is never left frozen.
 */
@ConsumerType
public interface CheckpointSession extends AutoCloseable {

    /**
     * Stops every process of the job on this host (all threads), so that nothing changes until resume. A backend
     * whose checkpointer stops the processes itself while it saves them (BLCR does, inside the kernel) may only
     * mark them here; its processes then offer no {@link FrozenProcess#facility facility}, so fabrics that need to
     * act on a stopped process refuse the job rather than drain it.
     *
     * @return the frozen (or marked) processes, so fabrics can discover and drain their endpoints
     * @throws CheckpointException when a process cannot be frozen; already frozen ones stay frozen until resume
     */
    List<FrozenProcess> freeze() throws CheckpointException;

    /**
     * Writes the frozen processes into a staging folder (0700) with files created 0600. Must not resume them.
     *
     * @param stagingFolder an empty folder (0700) that becomes this host's part of the checkpoint once the platform commits it
     * @return what was written, for the manifest
     * @throws CheckpointException when the dump fails; the platform then aborts and deletes the folder
     */
    DumpResult dump(Path stagingFolder) throws CheckpointException;

    /**
     * Lets every frozen process run on (after commit, or to abort). Idempotent.
     *
     * @throws CheckpointException when a process could not be resumed; the message names it
     */
    void resume() throws CheckpointException;

    /**
     * Ends every process of the job on this host after its checkpoint was committed.
     *
     * @throws CheckpointException when a process could not be killed
     */
    void kill() throws CheckpointException;

    /** Releases the session. Any process still frozen is resumed. Never throws. */
    @Override
    void close();
}
