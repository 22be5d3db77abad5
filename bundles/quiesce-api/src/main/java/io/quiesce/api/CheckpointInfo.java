package io.quiesce.api;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A committed checkpoint in the store.
 *
 * @param job     the job's ID
 * @param epoch   its epoch
 * @param folder  its folder
 * @param created when it was committed
 * @param bytes   its size
 * @param backend the backend that made it
 * @param latest  true when the job's {@code latest} pointer names it
 */
public record CheckpointInfo(String job, long epoch, Path folder, Instant created, long bytes, String backend, boolean latest) {
}
