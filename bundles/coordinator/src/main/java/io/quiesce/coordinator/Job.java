package io.quiesce.coordinator;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/** A job's mutable state. Field access is synchronized; {@link #operation} allows one checkpoint or restart at a time. */
final class Job {
    final ReentrantLock operation = new ReentrantLock();
    final Path folder;
    private JobRecord record;

    Job(JobRecord record, Path folder) {
        this.record = record;
        this.folder = folder;
    }

    synchronized JobRecord record() {
        return record;
    }

    synchronized void update(java.util.function.UnaryOperator<JobRecord> change) {
        record = change.apply(record);
    }

    String id() {
        return record().id();
    }

    boolean busy() {
        return operation.isLocked();
    }
}
