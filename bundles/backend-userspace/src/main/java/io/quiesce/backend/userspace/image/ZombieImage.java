package io.quiesce.backend.userspace.image;

/**
 * A child of a saved process that had ended but was not yet reaped by it: the restore forks it again from its
 * rebuilt parent and makes it end the same way, so the parent's waitpid(2) finds it with the saved status.
 *
 * @param pid    its PID at checkpoint time
 * @param nsPid  its PID in the job's namespace (jobs under quiesce-init), else 0
 * @param ppid   its parent's PID at checkpoint time (a saved process)
 * @param status its wait status (exit code in bits 8-15, or the killing signal in bits 0-6)
 */
public record ZombieImage(long pid, long nsPid, long ppid, int status) {
}
