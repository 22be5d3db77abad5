package io.quiesce.coordinator;

import java.util.List;

/**
 * What the coordinator asks every host's agent to checkpoint.
 *
 * @param jobId     the job
 * @param jobName   its name
 * @param epoch     the epoch being taken
 * @param backend   the backend every host uses, by name
 * @param fabrics   the fabrics that drain the job, by name (the coordinator's available ones)
 * @param saveFiles copy the regular files the job writes ({@code --save-files})
 */
record CheckpointPlan(String jobId, String jobName, long epoch, String backend, List<String> fabrics, boolean saveFiles) {
    CheckpointPlan {
        fabrics = List.copyOf(fabrics);
    }
}
