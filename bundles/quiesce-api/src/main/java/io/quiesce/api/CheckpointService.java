package io.quiesce.api;

import io.quiesce.api.image.Manifest;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The platform's checkpoint service: launches jobs, checkpoints and restarts them through the bound backends and
 * fabrics, and lists what it holds. Thread-safe; one operation at a time per job.
 */
@ProviderType
public interface CheckpointService {

    /**
     * Starts a command as a new job.
     *
     * @param request what to start and where its output goes
     * @return the running job
     * @throws CheckpointException when it cannot be started (names the program and errno)
     */
    JobInfo launch(LaunchRequest request) throws CheckpointException;

    /** @return every job this platform knows, oldest first */
    List<JobInfo> jobs();

    /**
     * @param idOrName a job's ID or name
     * @return the job
     * @throws NoSuchJobException when there is none
     */
    JobInfo job(String idOrName) throws NoSuchJobException;

    /**
     * Takes a coordinated checkpoint: prepare, freeze, drain, dump, commit, then resume or kill. On failure every
     * process is resumed, the staging folder is deleted and the previous checkpoint is untouched.
     *
     * @param request which job, which backend, and whether to kill it afterwards
     * @return the committed checkpoint
     * @throws CheckpointException when it failed; the job then runs on
     */
    CheckpointResult checkpoint(CheckpointRequest request) throws CheckpointException;

    /**
     * Restarts a job from a committed checkpoint: restore, reconnect, refill, release.
     *
     * @param request the job (its latest checkpoint) or a checkpoint folder
     * @return the restarted job
     * @throws CheckpointException when it failed; nothing half-restored is left running
     */
    RestartResult restart(RestartRequest request) throws CheckpointException;

    /**
     * @param idOrName a job, or null for all jobs
     * @return the committed checkpoints, oldest first
     * @throws NoSuchJobException when the job is unknown
     */
    List<CheckpointInfo> checkpoints(String idOrName) throws NoSuchJobException;

    /**
     * Reads and checks a checkpoint's manifest.
     *
     * @param checkpoint a checkpoint folder, or a job whose latest checkpoint is meant
     * @return the manifest
     * @throws CheckpointException when it is missing, corrupt or of another format version (names the file)
     */
    Manifest inspect(String checkpoint) throws CheckpointException;

    /** @return every bound backend with its availability, the selected one marked */
    List<PluginInfo> backends();

    /** @return every bound fabric with its availability */
    List<PluginInfo> fabrics();

    /** @return where the platform keeps its state and what it is using */
    PlatformStatus status();

    /** @return this platform's host first, then the cluster's other hosts it knows (joined agents, or its coordinator) */
    List<HostInfo> hosts();

    /**
     * Starts a command on another host as part of a job, for the job's own launcher (its {@code ssh}): that host's
     * agent starts a relay as the job's piece there, which connects back to the requester's port, proves itself
     * with the secret, and runs the command on pipes. Refused while the job is being checkpointed or restarted (the
     * launcher is frozen then anyway), for a host that already runs a piece of the job, and for a requester that is
     * not a process of the job on this host (since 1.6).
     *
     * @param request what to start, where, and who asks
     * @return where it runs, and the secret the requester checks the relay with
     * @throws CheckpointException when it cannot be started, with why
     */
    RemoteExec remoteExec(RemoteExecRequest request) throws CheckpointException;

    /**
     * Where checkpoints of a job are stored.
     *
     * @param jobId the job's ID
     * @return its folder in the checkpoint store
     */
    Path storeFolder(String jobId);
}
