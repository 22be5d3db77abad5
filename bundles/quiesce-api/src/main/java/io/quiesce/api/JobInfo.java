package io.quiesce.api;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A job as the platform sees it now.
 *
 * @param id         the job's ID
 * @param name       its name
 * @param state      its state
 * @param rootPid    the PID launched (or restored) as its root; -1 when none runs
 * @param pids       its processes now, root first; empty when none runs
 * @param argv       the command it was launched with
 * @param started    when it was launched
 * @param folder     its folder (logs, state)
 * @param backend    the backend its launch was prepared for
 * @param exitStatus the root's exit status when {@link JobState#EXITED}; otherwise null
 * @param epochs     how many checkpoints of it were committed
 * @param pieces     where it runs: one piece per host, this host's first when it has one; a job of one host has one
 */
public record JobInfo(String id, String name, JobState state, long rootPid, List<Long> pids, List<String> argv,
        Instant started, Path folder, String backend, Integer exitStatus, long epochs, List<JobPiece> pieces) {
    /** Copies the lists. */
    public JobInfo {
        pids = List.copyOf(pids);
        argv = List.copyOf(argv);
        pieces = pieces == null ? List.of() : List.copyOf(pieces);
    }

    /** A job of this host only (API 1.2): its one piece is made of its own fields. */
    public JobInfo(String id, String name, JobState state, long rootPid, List<Long> pids, List<String> argv, Instant started,
            Path folder, String backend, Integer exitStatus, long epochs) {
        this(id, name, state, rootPid, pids, argv, started, folder, backend, exitStatus, epochs, null);
    }
}
