package io.quiesce.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Lets a third-party bundle act at the phases of a checkpoint and a restart, and veto a checkpoint.
 * Register as an OSGi service; every registered hook is called, in service-ranking order, from the thread that
 * runs the operation. A hook must return quickly: the job may be frozen while later phases wait.
 */
@ConsumerType
public interface CheckpointHook {

    /**
     * Called before the job is frozen.
     *
     * @param event the checkpoint about to start (no folder yet)
     * @throws VetoException to refuse this checkpoint; its reason is shown to the user and nothing is frozen
     */
    default void beforeFreeze(HookEvent event) throws VetoException {
    }

    /**
     * Called after the checkpoint was committed and before the job resumes or is killed.
     *
     * @param event the committed checkpoint, with its folder
     */
    default void afterCommit(HookEvent event) {
    }

    /**
     * Called when a checkpoint was aborted and the job resumed.
     *
     * @param event the aborted checkpoint
     * @param cause why it was aborted
     */
    default void afterAbort(HookEvent event, CheckpointException cause) {
    }

    /**
     * Called after a restarted job was released.
     *
     * @param event the restart, with the folder it came from
     */
    default void afterRestart(HookEvent event) {
    }
}
