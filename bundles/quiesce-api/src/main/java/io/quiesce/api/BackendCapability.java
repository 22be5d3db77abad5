package io.quiesce.api;

/** What a {@link CheckpointBackend} can do, so the platform and users can tell backends apart before choosing. */
public enum BackendCapability {
    /** The job can keep running after its checkpoint is committed. */
    CONTINUE_AFTER_CHECKPOINT,
    /** The job can be killed once its checkpoint is committed. */
    KILL_AFTER_CHECKPOINT,
    /** Saved processes can be rebuilt by {@link CheckpointBackend#openRestore}. */
    RESTORE,
    /** Restored processes get their original PIDs back. */
    RESTORE_PIDS,
    /** Processes with more than one thread can be saved. */
    MULTI_THREADED,
    /** Process trees (parents and children) are saved and rebuilt with their relations. */
    PROCESS_TREES,
    /** Pipes and FIFOs between job processes, with bytes in flight, are saved. */
    PIPES,
    /** Frozen processes expose facilities to fabrics (see {@link FrozenProcess#facility}) so sockets can be drained. */
    FABRIC_ACCESS,
    /** Jobs must be launched through {@link CheckpointBackend#prepareLaunch} for this backend to checkpoint them. */
    NEEDS_LAUNCH_PREPARATION,
    /** Runs without root and without a kernel module. */
    UNPRIVILEGED
}
