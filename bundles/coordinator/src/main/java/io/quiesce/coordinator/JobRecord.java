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
 */
public record JobRecord(String id, String name, List<String> argv, String started, String backend, long rootPid,
        long rootStartTime, Integer exitStatus, boolean checkpointed) {
}
