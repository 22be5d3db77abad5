package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A restarted job.
 *
 * @param job  the job's ID
 * @param from the checkpoint folder it came from
 * @param pids     its running processes, root first
 * @param warnings what the user should know (e.g. PIDs that changed); never null
 */
public record RestartResult(String job, Path from, List<Long> pids, List<String> warnings) {
    /** Copies the lists. */
    public RestartResult {
        pids = List.copyOf(pids);
        warnings = List.copyOf(warnings);
    }
}
