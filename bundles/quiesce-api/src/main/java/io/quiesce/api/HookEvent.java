package io.quiesce.api;

import java.nio.file.Path;

/**
 * What a {@link CheckpointHook} is told.
 *
 * @param jobId      the job
 * @param jobName    its name
 * @param epoch      the checkpoint's epoch (sequence number within the job)
 * @param checkpoint the checkpoint folder once committed (or the one restarted from); null before commit
 * @param backend    the backend doing the work
 */
public record HookEvent(String jobId, String jobName, long epoch, Path checkpoint, String backend) {
}
