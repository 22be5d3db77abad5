package io.quiesce.api;

/** Where a job is in its life. */
public enum JobState {
    /** Its processes run. */
    RUNNING,
    /** A checkpoint or restart of it is in progress. */
    BUSY,
    /** Its processes ended by themselves. */
    EXITED,
    /** It was killed after a committed checkpoint and can be restarted. */
    CHECKPOINTED,
    /** Its processes are gone and the platform did not see how (e.g. the platform was restarted). */
    LOST
}
