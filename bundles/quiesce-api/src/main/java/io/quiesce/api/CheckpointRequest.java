package io.quiesce.api;

/**
 * What a user asks to checkpoint.
 *
 * @param job     job ID or name
 * @param backend backend name; null for the configured or highest-ranked available one
 * @param kill    true to kill the job once the checkpoint is committed
 * @param saveFiles true to save a copy of every regular file the job has open for writing, put back at restart
 */
public record CheckpointRequest(String job, String backend, boolean kill, boolean saveFiles) {
    /** A request that records, but does not copy, the files the job writes. */
    public CheckpointRequest(String job, String backend, boolean kill) {
        this(job, backend, kill, false);
    }
}
