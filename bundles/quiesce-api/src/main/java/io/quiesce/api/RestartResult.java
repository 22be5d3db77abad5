package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A restarted job.
 *
 * @param job  the job's ID
 * @param from the checkpoint folder it came from
 * @param pids its running processes, root first
 */
public record RestartResult(String job, Path from, List<Long> pids) {
    /** Copies the list. */
    public RestartResult {
        pids = List.copyOf(pids);
    }
}
