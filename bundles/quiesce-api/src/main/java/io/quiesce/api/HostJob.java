package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;

/**
 * A job's processes on one host, as the platform hands them to a backend.
 *
 * @param jobId     the job's ID
 * @param jobName   the job's name (may equal the ID)
 * @param rootPid   the PID the platform launched
 * @param pids      every process of the job on this host, root first, parents before children
 * @param jobFolder the job's folder (logs, state); exists
 * @param saveFiles true when the user asked for copies of the regular files the job writes ({@code --save-files})
 */
public record HostJob(String jobId, String jobName, long rootPid, List<Long> pids, Path jobFolder, boolean saveFiles) {
    /** Copies the PID list. */
    public HostJob {
        pids = List.copyOf(pids);
    }

    /** A job whose written files are recorded but not copied. */
    public HostJob(String jobId, String jobName, long rootPid, List<Long> pids, Path jobFolder) {
        this(jobId, jobName, rootPid, pids, jobFolder, false);
    }
}
