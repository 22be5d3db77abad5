package io.quiesce.api;

import java.util.List;

/**
 * One host's part of a job: the processes it runs there.
 *
 * @param host    the host's cluster name
 * @param state   the piece's state on that host; {@link JobState#LOST} when the host could not be asked
 * @param rootPid the PID the host launched (or restored) as the piece's root; -1 when none runs
 * @param pids    its processes on that host now, root first; empty when none runs
 * @param note    why the host could not be asked, or null
 */
public record JobPiece(String host, JobState state, long rootPid, List<Long> pids, String note) {
    /** Copies the list. */
    public JobPiece {
        pids = pids == null ? List.of() : List.copyOf(pids);
    }
}
