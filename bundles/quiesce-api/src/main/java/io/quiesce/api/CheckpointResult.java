package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A committed checkpoint.
 *
 * @param job         the job's ID
 * @param checkpoint  the committed folder (absolute)
 * @param epoch       its epoch within the job
 * @param bytes       image bytes written
 * @param millis      total time, prepare to resume/kill
 * @param pauseMillis how long the job was frozen
 * @param backend     the backend that made it
 * @param fabrics     the fabrics that drained it
 * @param killed      true when the job was killed afterwards
 * @param warnings    what the user should know; never null
 */
public record CheckpointResult(String job, Path checkpoint, long epoch, long bytes, long millis, long pauseMillis,
        String backend, List<String> fabrics, boolean killed, List<String> warnings) {
    /** Copies the lists. */
    public CheckpointResult {
        fabrics = List.copyOf(fabrics);
        warnings = List.copyOf(warnings);
    }
}
