package io.quiesce.api;

/**
 * What a user asks to checkpoint.
 *
 * @param job     job ID or name
 * @param backend backend name; null for the configured or highest-ranked available one
 * @param kill    true to kill the job once the checkpoint is committed
 */
public record CheckpointRequest(String job, String backend, boolean kill) {
}
