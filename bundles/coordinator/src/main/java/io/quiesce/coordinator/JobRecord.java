package io.quiesce.coordinator;

import java.util.List;

/**
 * A job as persisted in {@code jobs/<id>/job.json}, so the platform still knows its jobs after a restart of its own.
 *
 * @param id            the job's ID
 * @param name          its name
 * @param argv          its command
 * @param started       when it was launched (ISO-8601)
 * @param backend       the backend its launch was prepared for, or null
 * @param rootPid       its root process, or -1
 * @param rootStartTime the root's start time in ticks (tells it from a reused PID)
 * @param exitStatus    the root's exit status once it ended by itself, else null
 * @param checkpointed  true when it was killed after a committed checkpoint and not restarted since
 * @param hosts         the other hosts it has pieces on (their agents run them), or empty: a job of this host
 * @param coordinator   on an agent, the coordinator whose job this piece belongs to; null for a job of this platform
 * @param moreRoots     the roots of further process trees of the job on this host: the parts of other hosts that
 *                      a restart with a host map put here
 */
public record JobRecord(String id, String name, List<String> argv, String started, String backend, long rootPid,
        long rootStartTime, Integer exitStatus, boolean checkpointed, List<String> hosts, String coordinator, List<Root> moreRoots) {
    /** A process tree's root: its PID and start time in ticks (tells it from a reused PID). */
    public record Root(long pid, long startTime) {
    }

    /** Treats missing lists (a record of an earlier version) as empty. */
    public JobRecord {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        moreRoots = moreRoots == null ? List.of() : List.copyOf(moreRoots);
    }

    /** A job with one process tree on this host. */
    JobRecord(String id, String name, List<String> argv, String started, String backend, long rootPid, long rootStartTime,
            Integer exitStatus, boolean checkpointed, List<String> hosts, String coordinator) {
        this(id, name, argv, started, backend, rootPid, rootStartTime, exitStatus, checkpointed, hosts, coordinator, List.of());
    }

    /** @return every root of the job's process trees on this host, the first one first; empty when none */
    List<Root> roots() {
        List<Root> all = new java.util.ArrayList<>();
        if (rootPid > 0) {
            all.add(new Root(rootPid, rootStartTime));
        }
        all.addAll(moreRoots);
        return all;
    }

    /** @return this job with one more process tree on this host (another host's part restarted here) */
    JobRecord withRoot(long pid, long startTime) {
        List<Root> more = new java.util.ArrayList<>(moreRoots);
        more.add(new Root(pid, startTime));
        return new JobRecord(id, name, argv, started, backend, rootPid, rootStartTime, exitStatus, checkpointed, hosts, coordinator, more);
    }

    /** A new job of this host only. */
    JobRecord(String id, String name, List<String> argv, String started, String backend, long rootPid, long rootStartTime,
            Integer exitStatus, boolean checkpointed) {
        this(id, name, argv, started, backend, rootPid, rootStartTime, exitStatus, checkpointed, List.of(), null);
    }

    /** @return this job with a piece on one more host */
    JobRecord withHost(String host) {
        List<String> more = new java.util.ArrayList<>(hosts);
        if (!more.contains(host)) {
            more.add(host);
        }
        return new JobRecord(id, name, argv, started, backend, rootPid, rootStartTime, exitStatus, checkpointed, more, coordinator, moreRoots);
    }

    /** @return this job with its pieces on exactly these other hosts (after a restart that moved some) */
    JobRecord onHosts(List<String> others) {
        return new JobRecord(id, name, argv, started, backend, rootPid, rootStartTime, exitStatus, checkpointed, others, coordinator, moreRoots);
    }

    /**
     * @param backend   the backend the running processes belong to
     * @param pid       the new root process
     * @param startTime its start time in ticks
     * @return this job running again as {@code pid} (after launch or restart)
     */
    JobRecord running(String backend, long pid, long startTime) {
        return new JobRecord(id, name, argv, started, backend, pid, startTime, null, false, hosts, coordinator);
    }

    /**
     * @param status the root's exit status
     * @return this job ended by itself; a job killed after a checkpoint keeps that state instead
     */
    JobRecord exited(int status) {
        return checkpointed ? this : new JobRecord(id, name, argv, started, backend, rootPid, rootStartTime, status, false, hosts, coordinator, moreRoots);
    }

    /** @return this job killed after a committed checkpoint */
    JobRecord checkpointedAndKilled() {
        return new JobRecord(id, name, argv, started, backend, rootPid, rootStartTime, null, true, hosts, coordinator, moreRoots);
    }
}
