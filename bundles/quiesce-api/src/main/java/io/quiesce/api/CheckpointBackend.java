package io.quiesce.api;

import java.nio.file.Path;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A checkpointer for the processes of one job on one host: our ptrace engine, BLCR's libcr, CRIU, or a
 * third party's.
 *
 * <p>Register an implementation as an OSGi service with the {@link #NAME} property (and, if wanted,
 * {@code service.ranking}); the platform binds every registered backend dynamically and picks the one the user
 * configured, else the highest-ranked available one. A backend that cannot work on this host still registers and
 * reports {@link Availability#no(String)} so that users can see why.
 *
 * <p>The platform calls a backend from one thread per operation, in the order of the protocol; a backend that
 * needs thread affinity (ptrace) keeps its own thread inside the session. Every operation works through a session
 * object so that the state of an operation in flight stays with the service that started it, even when the
 * backend's bundle is stopped meanwhile.
 */
@ConsumerType
public interface CheckpointBackend {

    /** Service property: the backend's name as users type it ({@code userspace}, {@code blcr}, ...). */
    String NAME = "quiesce.backend.name";

    /** @return the backend's name, equal to the {@link #NAME} service property; never null */
    String name();

    /**
     * Probes this host. Cheap: may be called by the shell at any time, from any thread.
     *
     * @return whether this backend can work here and, if not, a reason that names what is missing
     */
    Availability availability();

    /** @return what this backend can do on this host; empty when unavailable */
    Set<BackendCapability> capabilities();

    /**
     * Adjusts how a job is launched so this backend can checkpoint it later (BLCR preloads libcr, a namespace-based
     * engine wraps the command in its init). Called before the job's first process is spawned.
     *
     * @param spec what the user asked to launch; never null
     * @return the spec to spawn; the default returns {@code spec} unchanged
     * @throws CheckpointException when the job cannot be prepared (the launch then fails and nothing is spawned)
     */
    default LaunchSpec prepareLaunch(LaunchSpec spec) throws CheckpointException {
        return spec;
    }

    /**
     * Starts a checkpoint of a job's processes on this host. Nothing is stopped yet.
     *
     * @param job the job and its processes on this host; never null
     * @return a session driven through freeze, dump and then resume or kill; the caller always closes it
     * @throws CheckpointException           when the session cannot start (processes gone, no permission, ...)
     * @throws NotSupportedException when this backend cannot checkpoint (yet); the message names what is missing
     */
    CheckpointSession openCheckpoint(HostJob job) throws CheckpointException;

    /**
     * Starts rebuilding the processes saved by this backend in an image folder.
     *
     * @param imageFolder this host's part of a committed checkpoint: the folder holding this backend's files (the
     *                    checkpoint folder itself for an image of format 2, else its host subfolder; the manifest
     *                    is in the checkpoint folder)
     * @param options     how to restore (relocation, PID policy, where output goes)
     * @return a session driven through restore and release; the caller always closes it
     * @throws CheckpointException   when the image is unusable; the message names the file and the cause
     * @throws NotSupportedException when this backend cannot restore (yet)
     */
    RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException;
}
